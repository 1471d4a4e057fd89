/**
 * Semantic candidates without a vector extension: each process keeps the embeddings of the
 * tenants it searches in memory (`Float32Array`s, unit length) and scans them exactly. A search
 * always stays inside one tenant, so a scan costs what that tenant holds (about 0.1 ms per 1,000
 * vectors of 100 dimensions), whatever the whole table holds. Before each search the cache reads
 * the tenant's embeddings computed since it last looked (an index range on `computed_at`), so it
 * stays fresh across processes; a few seconds are read again each time, because a batch that
 * commits late can carry an earlier `computed_at`.
 */
import type { Queryable } from '../entries';
import type { Scored } from '../../domain/search-fusion';

/** Seconds of embeddings read again on every refresh (late commits). */
const OVERLAP_MS = 5_000;

export type VectorSource = 'entries' | 'messages';

/** Encodes a vector for `bytea` storage: float4, little-endian. */
export function encodeVector(v: Float32Array): Buffer {
  const out = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => out.writeFloatLE(x, i * 4));
  return out;
}

class TenantVectors {
  readonly keys: string[] = [];
  readonly positions = new Map<string, number>();
  data: Float32Array;
  watermark: Date | null = null;
  lastUsed = 0;

  constructor(readonly dimensions: number) {
    this.data = new Float32Array(dimensions * 256);
  }

  get count(): number {
    return this.keys.length;
  }

  put(key: string, bytes: Buffer): void {
    let at = this.positions.get(key);
    if (at === undefined) {
      at = this.keys.length;
      this.keys.push(key);
      this.positions.set(key, at);
      if ((at + 1) * this.dimensions > this.data.length) {
        const grown = new Float32Array(this.data.length * 2);
        grown.set(this.data);
        this.data = grown;
      }
    }
    const offset = at * this.dimensions;
    for (let d = 0; d < this.dimensions; d++) this.data[offset + d] = bytes.readFloatLE(d * 4);
  }
}

/** Keeps the `k` best scores seen (a small min-heap). */
class TopK {
  private readonly scores: number[] = [];
  private readonly items: number[] = [];

  constructor(private readonly k: number) {}

  offer(score: number, item: number): void {
    if (this.scores.length < this.k) {
      this.scores.push(score);
      this.items.push(item);
      this.up(this.scores.length - 1);
    } else if (score > this.scores[0]!) {
      this.scores[0] = score;
      this.items[0] = item;
      this.down(0);
    }
  }

  /** Best first. */
  result(): { score: number; item: number }[] {
    return this.scores.map((score, i) => ({ score, item: this.items[i]! })).sort((a, b) => b.score - a.score);
  }

  private swap(i: number, j: number): void {
    [this.scores[i], this.scores[j]] = [this.scores[j]!, this.scores[i]!];
    [this.items[i], this.items[j]] = [this.items[j]!, this.items[i]!];
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.scores[parent]! <= this.scores[i]!) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < this.scores.length && this.scores[l]! < this.scores[least]!) least = l;
      if (r < this.scores.length && this.scores[r]! < this.scores[least]!) least = r;
      if (least === i) return;
      this.swap(i, least);
      i = least;
    }
  }
}

const LOAD_SQL: Record<VectorSource, (tenant: 'null' | 'param') => string> = {
  entries: (tenant) =>
    `select 'e:' || entry_id::text as key, vector, computed_at from entry_embeddings
     where model = $1 and tenant_id ${tenant === 'null' ? 'is null' : '= $3'} and computed_at > $2
     order by computed_at`,
  messages: () =>
    `select 'm:' || tenant_id || '/' || session_id || '/' || seq as key, vector, computed_at from message_embeddings
     where model = $1 and tenant_id = $3 and computed_at > $2
     order by computed_at`,
};

/**
 * The in-process vector cache of one model. Tenants least recently searched are dropped once
 * more than `maxVectors` are held (about 400 bytes each at 100 dimensions).
 */
export class VectorIndex {
  private readonly tenants = new Map<string, TenantVectors>();
  private readonly loading = new Map<string, Promise<TenantVectors>>();

  constructor(
    private readonly db: Queryable,
    readonly model: string,
    readonly dimensions: number,
    private readonly maxVectors = 2_000_000,
  ) {}

  /** The tenant's vectors of `source`, brought up to date. */
  async vectors(source: VectorSource, tenantId: string | null): Promise<TenantVectors> {
    const id = `${source}\u0000${tenantId ?? ''}`;
    const inFlight = this.loading.get(id);
    if (inFlight) return inFlight;
    const load = this.refresh(id, source, tenantId).finally(() => this.loading.delete(id));
    this.loading.set(id, load);
    return load;
  }

  private async refresh(id: string, source: VectorSource, tenantId: string | null): Promise<TenantVectors> {
    let entry = this.tenants.get(id);
    if (!entry) {
      entry = new TenantVectors(this.dimensions);
      this.tenants.set(id, entry);
    }
    const since = entry.watermark ?? new Date(0);
    const sql = LOAD_SQL[source](tenantId === null ? 'null' : 'param');
    const params = tenantId === null ? [this.model, since] : [this.model, since, tenantId];
    const rows = (await this.db.query<{ key: string; vector: Buffer; computed_at: Date }>(sql, params)).rows;
    for (const row of rows) {
      if (row.vector.length === this.dimensions * 4) entry.put(row.key, row.vector);
    }
    const newest = rows[rows.length - 1]?.computed_at;
    if (newest) {
      const next = new Date(newest.getTime() - OVERLAP_MS);
      if (!entry.watermark || next > entry.watermark) entry.watermark = next;
    }
    entry.lastUsed = Date.now();
    this.evict(id);
    return entry;
  }

  private evict(keep: string): void {
    let total = 0;
    for (const t of this.tenants.values()) total += t.count;
    const byAge = [...this.tenants.entries()]
      .filter(([id]) => id !== keep)
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [id, t] of byAge) {
      if (total <= this.maxVectors) return;
      total -= t.count;
      this.tenants.delete(id);
    }
  }

  /** The `k` keys most similar to `query` (cosine), best first; only keys in `allowed` when given. */
  static nearest(t: TenantVectors, query: Float32Array, k: number, allowed?: ReadonlySet<string>): Scored {
    const top = new TopK(k);
    const d = t.dimensions;
    const data = t.data;
    for (let i = 0; i < t.count; i++) {
      if (allowed && !allowed.has(t.keys[i]!)) continue;
      let dot = 0;
      const o = i * d;
      for (let j = 0; j < d; j++) dot += data[o + j]! * query[j]!;
      top.offer(dot, i);
    }
    return top.result().map(({ score, item }) => ({ key: t.keys[item]!, score }));
  }
}
