use crate::proxy::Proxy;

#[derive(Clone)]
pub enum Load {
    Local(LocalLoad),
    Remote,
}

#[derive(Clone, Default)]
pub struct LocalLoad {
    pub requests: usize,
}

impl Proxy {
    pub(crate) fn init_for(&self, key: &str) -> usize {
        self.refresh(key);
        0
    }

    fn refresh(&self, key: &str) {
        self.store(key, Load::Local(LocalLoad::default()));
    }

    fn store(&self, key: &str, load: Load) {
        self.load.write().unwrap().insert(key.to_string(), load);
    }
}
