//! The shell: what a person touches. The console loop and its state
//! ([`app`]), the command line ([`cli`]), rendering ([`ui`]), keys
//! ([`keymap`], [`action`]), colours ([`theme`], [`look`]) and what a
//! panic does to the terminal ([`crash`]).

pub mod action;
pub mod app;
pub mod cli;
pub mod crash;
pub mod keymap;
pub mod look;
pub mod theme;
pub mod ui;
