// What may import what (docs/DESIGN.md, Layout): a capability is used through its entry, the
// agent never reaches into the server, and shared/ stands on its own so browser, server and
// agent can all import it.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../server/paths.ts';

const CAPABILITIES = ['auth', 'keys', 'interviews', 'feedback', 'workers', 'web', 'instances', 'fleet'];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file));
}

/** Each relative import of a file, as a path from the repository's root. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/g), ...text.matchAll(/import\('(\.[^']+)'\)/g)].map((m) => m[1]!);
  return specifiers.map((spec) => relative(ROOT, resolve(ROOT, dirname(file), spec)));
}

function violations(files: string[], allowed: (file: string, target: string) => boolean): string[] {
  return files.flatMap((file) => importsOf(file).filter((target) => !allowed(file, target)).map((target) => `${file} → ${target}`));
}

describe('import boundaries', () => {
  it('finds the imports it judges (a check that sees nothing proves nothing)', () => {
    expect(importsOf('server/interviews/service.ts')).toContain('server/keys/index.ts');
    expect(importsOf('agent/protocol.ts')).toContain('shared/vocabulary.ts');
  });

  it('uses another capability only through its index.ts', () => {
    const capabilityOf = (path: string) => CAPABILITIES.find((cap) => path.startsWith(`server/${cap}/`));
    const found = violations(sources('server'), (file, target) => {
      const to = capabilityOf(target);
      return !to || to === capabilityOf(file) || target === `server/${to}/index.ts`;
    });
    expect(found).toEqual([]);
  });

  it('keeps the agent out of the server, and the server out of the agent but for the protocol', () => {
    expect(violations(sources('agent'), (_file, target) => !target.startsWith('server/'))).toEqual([]);
    expect(violations(sources('server'), (_file, target) => !target.startsWith('agent/') || target === 'agent/protocol.ts')).toEqual([]);
  });

  it('keeps shared/ standing on its own', () => {
    expect(violations(sources('shared'), (_file, target) => target.startsWith('shared/'))).toEqual([]);
  });
});
