import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../server/paths.ts';

// The README is read in a fresh clone: what it points to must be in the repository.
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('the README for a newcomer', () => {
  it('links only to files the repository has, never outside it', () => {
    const links = [...readme.matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => m[1]!).filter((href) => !/^[a-z]+:/i.test(href));
    expect(links).toEqual(expect.arrayContaining(['docs/DESIGN.md', 'LICENSE']));
    for (const href of links) expect(existsSync(join(ROOT, href)), href).toBe(true);
    expect(readme).not.toMatch(/\.\.\/shared/);
  });

  it('says the licence the repository has', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 MockFlow contributors\n/);
  });

  it('names the Node versions the dependencies accept, and the two that warn on Node 20', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe('^20.19.0 || >=22.12.0');
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    expect(lock.packages[''].engines.node).toBe(pkg.engines.node);
    // What `npm install` warns about (EBADENGINE), as the README explains it.
    expect(lock.packages['node_modules/machina']).toMatchObject({ version: '7.0.1', engines: { node: '>=22.22' } });
    expect(lock.packages['node_modules/nanoid']).toMatchObject({ version: '6.0.2', engines: { node: '^22 || ^24 || >=26' } });
    expect(readme).toContain('`machina@7.0.1`');
    expect(readme).toContain('`nanoid@6.0.2`');
  });
});
