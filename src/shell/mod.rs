//! The shell: what a person touches. The console loop and its state
//! ([`app`]), the command line ([`cli`]), rendering ([`ui`]), keys
//! ([`keymap`], [`action`]), colours ([`theme`], [`look`]) what a
//! panic does to the terminal ([`crash`]) and how frames reach it with few
//! bytes ([`lean_backend`]).

pub mod action;
pub mod app;
pub mod cli;
pub mod crash;
pub mod keymap;
pub mod lean_backend;
pub mod look;
pub mod theme;
pub mod ui;
