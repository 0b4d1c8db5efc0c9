// In-memory storage for oidc-provider models. oidc-provider's own memory adapter keeps at
// most 1000 entries (an LRU), which a long e2e run can exceed, silently dropping sessions
// and refresh tokens. This one keeps everything until it expires and sweeps once a minute.

const store = new Map(); // "Model:id" -> { payload, expiresAt }
const grants = new Map(); // grantId -> Set of "Model:id"
const sessionsByUid = new Map(); // session uid -> id
const byUserCode = new Map(); // user code -> id

const GRANTABLE = new Set([
  'AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest', 'PreAuthorizedCode',
]);

function live(key) {
  const entry = store.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry.payload;
}

const sweeper = setInterval(() => {
  const now = Date.now();
  for (const [key, entry] of store) {
    if (entry.expiresAt !== undefined && entry.expiresAt <= now) store.delete(key);
  }
  for (const [grantId, members] of grants) {
    for (const key of members) if (!store.has(key)) members.delete(key);
    if (members.size === 0) grants.delete(grantId);
  }
  for (const [uid, id] of sessionsByUid) if (!store.has(`Session:${id}`)) sessionsByUid.delete(uid);
  for (const [code, id] of byUserCode) if (!store.has(`DeviceCode:${id}`)) byUserCode.delete(code);
}, 60_000);
sweeper.unref();

export default class MemoryAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    store.set(key, {
      payload,
      expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined,
    });
    if (this.model === 'Session' && payload.uid) sessionsByUid.set(payload.uid, id);
    if (payload.userCode) byUserCode.set(payload.userCode, id);
    if (GRANTABLE.has(this.model) && payload.grantId) {
      if (!grants.has(payload.grantId)) grants.set(payload.grantId, new Set());
      grants.get(payload.grantId).add(key);
    }
  }

  async find(id) {
    return live(this.key(id));
  }

  async findByUid(uid) {
    const id = sessionsByUid.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode) {
    const id = byUserCode.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const payload = live(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    const key = this.key(id);
    const payload = live(key);
    store.delete(key);
    if (payload?.grantId) grants.get(payload.grantId)?.delete(key);
  }

  async revokeByGrantId(grantId) {
    for (const key of grants.get(grantId) ?? []) store.delete(key);
    grants.delete(grantId);
  }
}
