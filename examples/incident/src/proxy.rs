use std::collections::HashMap;
use std::sync::RwLock;

use crate::load::Load;

pub struct Proxy {
    pub(crate) load: RwLock<HashMap<String, Load>>,
}

impl Proxy {
    pub fn new() -> Self {
        Proxy { load: RwLock::new(HashMap::new()) }
    }

    /// Routes one request. Reviewed and merged: the write lock is nowhere in this diff.
    pub fn route(&self, key: &str) -> usize {
        if let Some(Load::Local(load)) = &self.load.read().unwrap().get(key) {
            load.requests
        } else {
            self.init_for(key)
        }
    }

    /// The fixed version: the value is copied out, the guard dies with the `let` statement.
    pub fn route_fixed(&self, key: &str) -> usize {
        let current = self.load.read().unwrap().get(key).cloned();
        if let Some(Load::Local(load)) = current {
            load.requests
        } else {
            self.init_for(key)
        }
    }
}
