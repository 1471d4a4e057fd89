/**
 * Semantic candidates without a vector extension: each process keeps the embeddings of the
 * tenants it searches in memory (`Float32Array`s, unit length) and scans them exactly. A search
 * always stays inside one tenant, so a scan costs what that tenant holds (about 0.1 ms per 1,000
 * vectors of 100 dimensions), whatever the whole table holds. Before each search the cache reads,
 * in one statement for every set the search scans, the embeddings computed since it last looked
 * (an index range on `computed_at`), so it stays fresh across processes. "Since" is the database's
 * clock at the previous look minus a few seconds, because a batch that commits late carries an
 * earlier `computed_at`: what was computed in those seconds is read again, and nothing older.
 */
import type { Queryable } from '../entries';
import type { Scored } from '../../domain/search-fusion';
import { prepared } from './prepared';

/** Milliseconds before the previous look from which embeddings are read again (late commits). */
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

/** One set of vectors a search scans: a source of one tenant (null: the entries of no tenant). */
export interface VectorSet {
  source: VectorSource;
  tenantId: string | null;
}

/** The rows of set number `set` computed after `$since` (`$1` is the model). */
function loadSql(set: number, { source, tenantId }: VectorSet, tenant: string, since: string): string {
  const owner = tenantId === null ? 'tenant_id is null' : `tenant_id = ${tenant}`;
  return source === 'entries'
    ? `select ${set} as set, 'e:' || entry_id::text as key, vector from entry_embeddings
       where model = $1 and ${owner} and computed_at > ${since}`
    : `select ${set} as set, 'm:' || tenant_id || '/' || session_id || '/' || seq as key, vector from message_embeddings
       where model = $1 and ${owner} and computed_at > ${since}`;
}

const setId = ({ source, tenantId }: VectorSet) => `${source}\u0000${tenantId ?? ''}`;

/**
 * The in-process vector cache of one model. Tenants least recently searched are dropped once
 * more than `maxVectors` are held (about 400 bytes each at 100 dimensions).
 */
export class VectorIndex {
  private readonly tenants = new Map<string, TenantVectors>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Queryable,
    readonly model: string,
    readonly dimensions: number,
    private readonly maxVectors = 2_000_000,
  ) {}

  /** The tenant's vectors of `source`, brought up to date. */
  async vectors(source: VectorSource, tenantId: string | null): Promise<TenantVectors> {
    const [vectors] = await this.vectorsOf([{ source, tenantId }]);
    return vectors!;
  }

  /**
   * The vectors of each set, brought up to date in one statement (a set another search is
   * already bringing up to date is waited for instead). Returned in the order of `sets`.
   */
  async vectorsOf(sets: readonly VectorSet[]): Promise<TenantVectors[]> {
    const ids = sets.map(setId);
    const waiting = ids.map((id) => this.loading.get(id)).filter((p): p is Promise<void> => p !== undefined);
    const stale = sets.filter((_, i) => !this.loading.has(ids[i]!));
    if (stale.length > 0) {
      const load = this.refresh(stale);
      for (const set of stale) this.loading.set(setId(set), load);
      waiting.push(
        load.finally(() => {
          for (const set of stale) if (this.loading.get(setId(set)) === load) this.loading.delete(setId(set));
        }),
      );
    }
    await Promise.all(waiting);
    const now = Date.now();
    return ids.map((id) => {
      const entry = this.tenants.get(id) ?? new TenantVectors(this.dimensions);
      entry.lastUsed = now;
      return entry;
    });
  }

  private async refresh(sets: readonly VectorSet[]): Promise<void> {
    const params: unknown[] = [this.model];
    const param = (value: unknown) => `$${params.push(value)}`;
    const entries = sets.map((set) => {
      const id = setId(set);
      let entry = this.tenants.get(id);
      if (!entry) {
        entry = new TenantVectors(this.dimensions);
        this.tenants.set(id, entry);
      }
      return entry;
    });
    const selects = sets.map((set, i) =>
      loadSql(i, set, set.tenantId === null ? '' : param(set.tenantId), param(entries[i]!.watermark ?? new Date(0))),
    );
    // The database's clock comes back as a row of its own (set -1), so even a look that finds
    // nothing new moves the watermark.
    const rows = (
      await this.db.query<{ set: number; key: string | null; vector: Buffer | null; at: Date | null }>(
        prepared(
          `select -1 as set, null as key, null::bytea as vector, statement_timestamp() as at
           union all
           select s.set, s.key, s.vector, null from (${selects.join(' union all ')}) as s`,
          params,
        ),
      )
    ).rows;
    let clock: Date | undefined;
    for (const row of rows) {
      if (row.set < 0) clock = row.at ?? undefined;
      else if (row.vector && row.vector.length === this.dimensions * 4) entries[row.set]!.put(row.key!, row.vector);
    }
    if (clock) {
      const next = new Date(clock.getTime() - OVERLAP_MS);
      for (const entry of entries) if (!entry.watermark || next > entry.watermark) entry.watermark = next;
    }
    const now = Date.now();
    for (const entry of entries) entry.lastUsed = now;
    this.evict(new Set(sets.map(setId)));
  }

  private evict(keep: ReadonlySet<string>): void {
    let total = 0;
    for (const t of this.tenants.values()) total += t.count;
    const byAge = [...this.tenants.entries()]
      .filter(([id]) => !keep.has(id))
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
