// vitest runs the sources through its own module runner, which Node's `require` cannot see: a
// `loadLazily('../x.js', import.meta.url)` would look for a `.js` file beside the `.ts` source and
// fail, or, if one existed, load a second copy of the module beside the runner's. Under test each
// lazy load becomes a static import of the same module (appended, so line numbers stay). The lazy
// loading that ships is tested on the built package: test/plugin-import.test.ts.
import type { Plugin } from 'vitest/config';

const LAZY_LOAD = /loadLazily<typeof import\('([^']+)'\)>\('\1', import\.meta\.url\)/g;

export function eagerLazyLoads(): Plugin {
  return {
    name: 'lockscope:eager-lazy-loads',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('/src/') || !id.endsWith('.ts') || id.endsWith('/core/load-lazily.ts')) return undefined;
      const imports: string[] = [];
      const eager = code.replace(LAZY_LOAD, (_, specifier: string) => {
        const name = `lazilyLoaded${imports.length}`;
        imports.push(`import * as ${name} from '${specifier}';`);
        return `(() => ${name})`;
      });
      return imports.length === 0 ? undefined : { code: `${eager}\n${imports.join('\n')}\n`, map: null };
    },
  };
}
