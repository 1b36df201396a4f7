// A fresh user project as the README sets it up: its two ESLint configs, a TS file and a Rust
// file with one bug each, and the findings lockscope must report there. Shared by the tests that
// install the package the way users do (test/package-install.test.ts, test/registry-install.test.ts).

export const MINIMAL_CONFIG = `// eslint.config.mjs
import lockscope from 'eslint-plugin-lockscope';

export default [...lockscope.configs.recommended];
`;

export const FULL_CONFIG = `// eslint.config.mjs
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import lockscope from 'eslint-plugin-lockscope';

export default defineConfig(
  // JS/TS rules only on JS/TS files: they cannot read Rust.
  { files: ['**/*.{js,mjs,cjs,ts,tsx,mts,cts}'], extends: [js.configs.recommended, tseslint.configs.recommended] },
  lockscope.configs.recommended,
);
`;

export const TS_BUG = `import { Mutex } from 'async-mutex';

export class Accounts {
  private readonly mutex = new Mutex();
  private readonly names: string[] = [];

  async add(name: string): Promise<void> {
    await this.mutex.runExclusive(async () => {
      await this.addQuietly(name);
    });
  }

  private async addQuietly(name: string): Promise<void> {
    await this.mutex.runExclusive(async () => {
      this.names.push(name);
    });
  }
}
`;

export const RUST_BUG = `use std::sync::RwLock;

pub struct Proxy {
    load: RwLock<Vec<u32>>,
}

impl Proxy {
    pub fn route(&self, k: usize) -> u32 {
        if let Some(x) = self.load.read().unwrap().get(k) {
            *x
        } else {
            self.init_for(k)
        }
    }

    fn init_for(&self, k: usize) -> u32 {
        self.load.write().unwrap().push(k as u32);
        0
    }
}
`;

/** What lockscope reports in that project, as `file:line rule`. */
export const LOCKSCOPE_FINDINGS = ['src/accounts.ts:8 lockscope/no-nested-lock', 'src/lib.rs:9 lockscope/guard-across-branch'];

/** The project's files besides its ESLint config: a Cargo crate and a TS module. */
export const PROJECT_FILES: Readonly<Record<string, string>> = {
  'package.json': '{\n  "name": "app",\n  "version": "1.0.0",\n  "license": "ISC"\n}\n',
  'src/accounts.ts': TS_BUG,
  'Cargo.toml': '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n',
  'src/lib.rs': RUST_BUG,
};
