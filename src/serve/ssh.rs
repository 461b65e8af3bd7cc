//! The SSH side of `opsdeck serve`, on the russh crate: public-key
//! authentication against the keys file (a key not in it is refused before
//! any channel opens; passwords and keyboard-interactive are not offered),
//! and one console per session channel (see the session module). Requests
//! for a pty, environment variables, a shell and window changes are
//! acknowledged here and read by the session from its channel; exec and
//! subsystems are refused: the server runs the console and nothing else.

use std::net::SocketAddr;
use std::sync::Arc;

use russh::keys::PublicKey;
use russh::server::{Auth, ChannelOpenHandle, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, MethodKind, MethodSet};

use super::keys::Role;
use super::lobby::{Lobby, Who};

/// Makes one [`Connection`] per client.
pub struct Server {
    pub lobby: Arc<Lobby>,
}

impl russh::server::Server for Server {
    type Handler = Connection;

    fn new_client(&mut self, peer: Option<SocketAddr>) -> Connection {
        Connection { lobby: self.lobby.clone(), peer, who: None }
    }

    fn handle_session_error(&mut self, error: russh::Error) {
        tracing::info!("an SSH connection ended: {error}");
    }
}

/// The only way in: a key from the keys file.
pub fn methods() -> MethodSet {
    MethodSet::from(&[MethodKind::PublicKey][..])
}

/// One client connection.
pub struct Connection {
    lobby: Arc<Lobby>,
    peer: Option<SocketAddr>,
    /// The key it authenticated with.
    who: Option<Who>,
}

impl Connection {
    fn known(&self, key: &PublicKey) -> Option<super::keys::Entry> {
        self.lobby.ring.borrow().find(key).cloned()
    }
}

impl russh::server::Handler for Connection {
    type Error = russh::Error;

    async fn auth_publickey_offered(&mut self, _user: &str, offer: PublicKeyOffer<'_>) -> Result<Auth, Self::Error> {
        Ok(if self.known(offer.public_key).is_some() { Auth::Accept } else { Auth::reject() })
    }

    async fn auth_publickey(&mut self, user: &str, key: VerifiedPublicKey<'_>) -> Result<Auth, Self::Error> {
        let Some(entry) = self.known(key.public_key) else {
            tracing::warn!(
                "refused an unknown key {} (ssh user {user:?}) from {:?}",
                key.public_key.fingerprint(Default::default()),
                self.peer
            );
            return Ok(Auth::reject());
        };
        let role = if entry.role == Role::Operator { "operator" } else { "observer" };
        tracing::info!("{} ({role}, {}) came in from {:?}", entry.name, entry.fingerprint, self.peer);
        self.who = Some(Who { entry, peer: self.peer });
        Ok(Auth::Accept)
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(who) = self.who.clone() else {
            return Ok(());
        };
        reply.accept().await;
        let lobby = self.lobby.clone();
        tokio::spawn(async move { super::session::run(lobby, who, channel).await });
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _cols: u32,
        _rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn env_request(&mut self, channel: ChannelId, _name: &str, _value: &str, session: &mut Session) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        _cols: u32,
        _rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn exec_request(&mut self, channel: ChannelId, _data: &[u8], session: &mut Session) -> Result<(), Self::Error> {
        session.channel_failure(channel)?;
        session.data(channel, &b"opsdeck serve runs the console only: connect without a command\r\n"[..])?;
        session.close(channel)
    }

    async fn subsystem_request(&mut self, channel: ChannelId, _name: &str, session: &mut Session) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }
}
