// The dev users. Passwords are checked (no "any login"), in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';

const USERS = [
  {
    id: '00ua1iceanders0n7xq5', // Okta-style user id: "00u" + 17 alphanumerics
    username: 'alice',
    login: 'alice@example.com',
    password: 'wonderland',
    givenName: 'Alice',
    familyName: 'Anderson',
    email: 'alice@example.com',
    groups: ['Everyone', 'Admins'],
  },
  {
    id: '00ub0bbr0wnbui1d3rk2',
    username: 'bob',
    login: 'bob@example.com',
    password: 'builder',
    givenName: 'Bob',
    familyName: 'Brown',
    email: 'bob@example.com',
    groups: ['Everyone'],
  },
];

const digest = (value) => createHash('sha256').update(String(value), 'utf8').digest();

// Stored as digests so that the comparison below is over equal-length buffers.
const accounts = USERS.map(({ password, ...user }) => Object.freeze({
  ...user,
  groups: Object.freeze([...user.groups]),
  passwordDigest: digest(password),
}));

const byId = new Map(accounts.map((a) => [a.id, a]));
const DUMMY = digest('not-a-password-of-anyone');

export function findById(id) {
  return byId.get(id);
}

// Finds a user by username ("alice") or login/email ("alice@example.com"), case-insensitively.
export function findByLogin(name) {
  const wanted = String(name ?? '').trim().toLowerCase();
  if (!wanted) return undefined;
  return accounts.find((a) => a.username === wanted || a.login === wanted || a.email === wanted);
}

// Returns the account when the password is right, undefined otherwise. The password
// comparison costs the same whether or not the user exists and whatever the password.
export function authenticate(name, password) {
  const account = findByLogin(name);
  const given = digest(password ?? '');
  const ok = timingSafeEqual(given, account ? account.passwordDigest : DUMMY);
  return ok && account ? account : undefined;
}

// Every claim the provider may release about a user; oidc-provider masks them by scope.
export function claimsOf(account) {
  return {
    sub: account.id,
    name: `${account.givenName} ${account.familyName}`,
    given_name: account.givenName,
    family_name: account.familyName,
    preferred_username: account.login,
    email: account.email,
    email_verified: true,
    groups: [...account.groups],
  };
}

// The claims released for each scope (Okta's standard scopes plus a "groups" claim that
// Okta admins configure "in the ID token, any scope": it comes with profile as well).
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'groups'],
  email: ['email', 'email_verified'],
  groups: ['groups'],
};

// Claims for a set of granted scopes (used by the userinfo endpoint).
export function claimsForScopes(account, scopes) {
  const all = claimsOf(account);
  const out = { sub: all.sub };
  for (const scope of scopes) {
    for (const claim of SCOPE_CLAIMS[scope] ?? []) out[claim] = all[claim];
  }
  return out;
}

// oidc-provider's findAccount hook.
export async function findAccount(_ctx, id) {
  const account = byId.get(id);
  if (!account) return undefined;
  return {
    accountId: account.id,
    async claims() {
      return claimsOf(account);
    },
  };
}
