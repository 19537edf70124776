// Where the search for a project config stops: the first folder holding .git (folder or file), or
// the home folder, or, with neither above, the working directory alone.
import { describe, expect, it } from 'vitest';
import { expandPath, searchBound } from '../../src/config/places.js';

/** A file system of the given paths (folders and files alike), for exists(). */
const tree =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);

describe('searchBound', () => {
  it.each([
    {
      what: "inside home, no git: up to home, which is the user's",
      cwd: '/home/ann/work/payouts',
      exists: tree(),
      projectDirs: ['/home/ann/work/payouts', '/home/ann/work'],
      stop: { dir: '/home/ann', reason: 'home' },
      beyond: ['/home', '/'],
    },
    {
      what: 'inside a git work tree under home: up to its top, included',
      cwd: '/home/ann/repo/src',
      exists: tree('/home/ann/repo/.git'),
      projectDirs: ['/home/ann/repo/src', '/home/ann/repo'],
      stop: { dir: '/home/ann/repo', reason: 'git' },
      beyond: ['/home', '/'],
    },
    {
      what: 'a worktree or submodule: .git is a file, and bounds the same way',
      cwd: '/home/ann/repo/mod/lib',
      exists: tree('/home/ann/repo/mod/.git', '/home/ann/repo/.git'),
      projectDirs: ['/home/ann/repo/mod/lib', '/home/ann/repo/mod'],
      stop: { dir: '/home/ann/repo/mod', reason: 'git' },
      beyond: ['/home/ann/repo', '/home', '/'],
    },
    {
      what: 'outside home with no git above: the working directory alone',
      cwd: '/srv/payouts',
      exists: tree(),
      projectDirs: ['/srv/payouts'],
      stop: { dir: '/srv/payouts', reason: 'working-directory' },
      beyond: ['/srv', '/'],
    },
    {
      what: 'outside home in a git checkout: up to its top',
      cwd: '/srv/deploy/app/config',
      exists: tree('/srv/deploy/app/.git'),
      projectDirs: ['/srv/deploy/app/config', '/srv/deploy/app'],
      stop: { dir: '/srv/deploy/app', reason: 'git' },
      beyond: ['/srv/deploy', '/srv', '/'],
    },
    {
      what: 'the home folder itself: no project folder at all',
      cwd: '/home/ann',
      exists: tree('/home/ann/.git'),
      projectDirs: [],
      stop: { dir: '/home/ann', reason: 'home' },
      beyond: ['/home', '/'],
    },
    {
      what: 'the root, outside home',
      cwd: '/',
      exists: tree(),
      projectDirs: ['/'],
      stop: { dir: '/', reason: 'working-directory' },
      beyond: [],
    },
  ])('$what', ({ cwd, exists, projectDirs, stop, beyond }) => {
    expect(searchBound(cwd, '/home/ann', exists)).toEqual({ projectDirs, stop, beyond });
  });
});

describe('expandPath', () => {
  it('reads ~ as the home folder and a relative path from the base folder', async () => {
    const { homedir } = await import('node:os');
    expect(expandPath('~/.config/airtime/key', '/x')).toBe(`${homedir()}/.config/airtime/key`);
    expect(expandPath(' key.txt ', '/etc/airtime')).toBe('/etc/airtime/key.txt');
    expect(expandPath('/abs/key', '/x')).toBe('/abs/key');
  });
});
