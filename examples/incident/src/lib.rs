//! A reduction of the September 2024 fly-proxy outage: a read guard made in an `if let`
//! scrutinee is still alive in the `else` block, whose call chain takes the write lock.
mod load;
mod proxy;

pub use proxy::Proxy;
