// Which project files are believed, tested through the seam as root and as an ordinary user: the
// rules read the owner and mode a stat gives, and nothing else of the machine.
import { describe, expect, it } from 'vitest';
import {
  type FileOwner,
  keyCharacterProblem,
  privateToUser,
  type TrustSeam,
  trustedDirs,
  untrustedBecause,
} from '../../src/config/trust.js';

const ANN = 1000;
const BOB = 1001;

/** A seam for a process of `uid`, over files given as path → owner and mode. */
function seam(
  uid: number | undefined,
  files: Record<string, FileOwner>,
  options: { sudoUid?: number; privateGroups?: readonly number[] } = {},
): TrustSeam {
  return {
    uid,
    sudoUid: options.sudoUid,
    userName: 'ann',
    stat: (path) => files[path],
    isPrivateGroup: (gid) => (options.privateGroups ?? []).includes(gid),
  };
}

const FILE = '/work/repo/.airtimerc';
const DIR = '/work/repo';
const file = (uid: number, mode = 0o100644, gid = uid) => ({ uid, gid, mode });
const dir = (uid: number, mode = 0o40755, gid = uid) => ({ uid, gid, mode });
const nothingTrusted = trustedDirs({});

describe('untrustedBecause', () => {
  it.each([
    ['ann, her own file and folder', ANN, { [FILE]: file(ANN), [DIR]: dir(ANN) }, {}, undefined],
    ['ann, a file root owns (a package installed for all)', ANN, { [FILE]: file(0), [DIR]: dir(0) }, {}, undefined],
    ['ann, a file bob owns', ANN, { [FILE]: file(BOB), [DIR]: dir(BOB) }, {}, 'owned by another user (uid 1001)'],
    [
      'ann, her file in a folder everyone can write',
      ANN,
      { [FILE]: file(ANN), [DIR]: dir(0, 0o41777) },
      {},
      'its folder can be written by every user',
    ],
    ['ann, her file that everyone can write', ANN, { [FILE]: file(ANN, 0o100666), [DIR]: dir(ANN) }, {}, 'it can be written by every user'],
    [
      'ann, a folder her private group can write',
      ANN,
      { [FILE]: file(ANN), [DIR]: dir(ANN, 0o40775, 1000) },
      { privateGroups: [1000] },
      undefined,
    ],
    [
      'ann, a folder a shared group can write',
      ANN,
      { [FILE]: file(ANN), [DIR]: dir(ANN, 0o40775, 50) },
      { privateGroups: [1000] },
      'its folder can be written by the members of group 50',
    ],
    ['root, its own file', 0, { [FILE]: file(0), [DIR]: dir(0) }, {}, undefined],
    ['root, a file ann owns', 0, { [FILE]: file(ANN), [DIR]: dir(ANN) }, {}, 'owned by another user (uid 1000)'],
    ['root under sudo by ann, her file (as git has it)', 0, { [FILE]: file(ANN), [DIR]: dir(ANN) }, { sudoUid: ANN }, undefined],
    ["root under sudo by ann, bob's file", 0, { [FILE]: file(BOB), [DIR]: dir(BOB) }, { sudoUid: ANN }, 'owned by another user (uid 1001)'],
    ['no uids at all (Windows): nothing to check', undefined, { [FILE]: file(BOB), [DIR]: dir(BOB, 0o40777) }, {}, undefined],
  ] as const)('%s', (_what, uid, files, options, expected) => {
    const why = untrustedBecause(FILE, seam(uid, files, options), nothingTrusted);
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toContain(expected);
  });

  it('believes any file under AIRTIME_TRUSTED_DIRS, and every file with *', () => {
    const bobs = seam(ANN, { [FILE]: file(BOB), [DIR]: dir(BOB, 0o40777) });
    expect(untrustedBecause(FILE, bobs, trustedDirs({ AIRTIME_TRUSTED_DIRS: '/elsewhere:/work' }))).toBeUndefined();
    expect(untrustedBecause(FILE, bobs, trustedDirs({ AIRTIME_TRUSTED_DIRS: '/work/rep' }))).toContain('another user');
    expect(untrustedBecause(FILE, bobs, trustedDirs({ AIRTIME_TRUSTED_DIRS: '*' }))).toBeUndefined();
    expect(untrustedBecause(FILE, bobs, trustedDirs({ AIRTIME_TRUSTED_DIRS: '' }))).toContain('another user');
  });
});

describe('privateToUser', () => {
  it.each([
    ['hers, 0600', ANN, file(ANN, 0o100600), true],
    ['hers, readable by her group', ANN, file(ANN, 0o100640), false],
    ['hers, readable by all', ANN, file(ANN, 0o100604), false],
    ["bob's, 0600", ANN, file(BOB, 0o100600), false],
    ["root's, 0600, read by ann", ANN, file(0, 0o100600), false],
  ] as const)('%s: %s', (_what, uid, owner, expected) => {
    expect(privateToUser('/k', seam(uid, { '/k': owner }))).toBe(expected);
  });

  it('is false for a file that is not there', () => {
    expect(privateToUser('/k', seam(ANN, {}))).toBe(false);
  });
});

describe('keyCharacterProblem', () => {
  it.each([
    ['atsk_0123456789abcdef', undefined],
    ['atsk with a space', undefined],
    ['atsk_key\n', 'a line break'],
    ['atsk\r\nkey', 'a line break'],
    ['atsk\tkey', 'a tab'],
    ['atsk\u0000key', 'a control character'],
    ['atsk\u007fkey', 'a control character'],
    ['аtsk_cyrillic_a', 'outside ASCII'],
    ['atsk–dash', 'outside ASCII'],
    ['atsk\u00e9', 'outside ASCII'],
  ])('%j', (key, expected) => {
    const problem = keyCharacterProblem(key);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toContain(expected);
  });
});
