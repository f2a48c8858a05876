/**
 * Identity clusters over both sources, and cross-source deduplication.
 *
 * Backbone chains carry their `clu30` cluster (MMseqs2-style 30 % identity, 80 %
 * coverage, from ProMod3). Fullatom chains carry none, so they are placed by
 * sequence:
 * - a fullatom chain whose sequence equals, contains, or is contained in a
 *   backbone chain's is the *same protein*: it joins that chain's cluster and the
 *   backbone copy is dropped (the fullatom copy has side chains);
 * - otherwise it is linked to every chain (of either source) with which it shares
 *   at least `minShared` (0.2) of the distinct 3-mers of the shorter of the two
 *   *on one diagonal band* of the dot plot (a band of 16 diagonals, so small
 *   indels stay inside), and at least 8 such 3-mers; linked chains form one
 *   cluster (union find), and backbone clusters joined through a fullatom chain
 *   merge — splitting by the merged clusters can only be stricter than splitting
 *   by `clu30`.
 *
 * Why a diagonal band: counting shared 3-mers anywhere links a short chain to
 * any long one by chance (a 1000-residue chain holds an eighth of all 3-mers),
 * and union-find then chains unrelated clusters into one giant component.
 * Homologues share their 3-mers along one alignment diagonal; chance matches
 * scatter over all of them.
 *
 * A shared-3-mer fraction of 0.2 corresponds to roughly 55–60 % identity (a
 * 3-mer survives with probability id³). It is therefore less sensitive than a
 * 30 % identity clustering: remote (30–55 %) homologues among fullatom-only
 * chains may land in different clusters. That is the known limit of this
 * alignment-free rule.
 *
 * @module
 */

/** A chain to cluster. */
export interface ClusterChain {
  /** Unique key. */
  key: string;
  /** Sequence. */
  seq: string;
  /** Given cluster (backbone `clu30`), if any. */
  cluster?: string;
}

/** Result of {@link clusterChains}. */
export interface ClusterResult {
  /** Cluster id of every kept chain key. */
  clusterOf: Map<string, string>;
  /** Backbone keys dropped as duplicates, with the fullatom key that replaces them. */
  duplicates: Map<string, string>;
}

class UnionFind {
  parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p === x) return x;
    p = this.find(p);
    this.parent.set(x, p);
    return p;
  }
  union(a: string, b: string): void {
    const ra = this.find(a), rb = this.find(b);
    if (ra === rb) return;
    // The smaller name becomes the root so cluster names are deterministic.
    if (ra < rb) this.parent.set(rb, ra);
    else this.parent.set(ra, rb);
  }
}

/** Fewest 3-mers on one diagonal band that link two chains. */
const MIN_BAND_MATCHES = 8;

function kmerCode(seq: string, i: number): number {
  return (seq.charCodeAt(i) - 64) * 1024 + (seq.charCodeAt(i + 1) - 64) * 32 +
    seq.charCodeAt(i + 2) - 64;
}

/** 3-mer -> its start positions in `seq`. */
function kmerPositions(seq: string): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (let i = 0; i + 3 <= seq.length; i++) {
    const k = kmerCode(seq, i);
    let l = m.get(k);
    if (!l) m.set(k, l = []);
    l.push(i);
  }
  return m;
}

/**
 * The largest number of positions of `other` whose 3-mer occurs in the first
 * sequence on one band of 16 consecutive diagonals (two 8-wide bins).
 */
function bestBandMatches(positions: Map<number, number[]>, len: number, other: string): number {
  const bins = new Int32Array(((len + other.length) >> 3) + 2);
  const lastP = new Int32Array(bins.length).fill(-1);
  for (let p = 0; p + 3 <= other.length; p++) {
    const hits = positions.get(kmerCode(other, p));
    if (!hits) continue;
    for (const q of hits) {
      const b = (q - p + other.length) >> 3;
      // Each position of `other` counts once per bin (repeats do not pile up).
      if (lastP[b] === p) continue;
      lastP[b] = p;
      bins[b]++;
    }
  }
  let best = 0;
  for (let b = 0; b + 1 < bins.length; b++) best = Math.max(best, bins[b] + bins[b + 1]);
  return best;
}

function kmerCodes(seq: string): Int32Array {
  const set = new Set<number>();
  for (let i = 0; i + 3 <= seq.length; i++) set.add(kmerCode(seq, i));
  return Int32Array.from(set);
}

/**
 * Cluster backbone chains (`cluster` set) and fullatom chains (no cluster) together
 * and find the backbone chains duplicated by fullatom chains; see the module
 * comment for the rules. Cluster ids are backbone `clu30` names when a cluster
 * holds a backbone chain (the smallest such name), else the smallest fullatom
 * key in it.
 */
export function clusterChains(
  backbone: readonly ClusterChain[],
  fullatom: readonly ClusterChain[],
  minShared = 0.2,
): ClusterResult {
  const uf = new UnionFind();
  const node = (c: ClusterChain) => c.cluster !== undefined ? `c:${c.cluster}` : `f:${c.key}`;
  const all = [...backbone, ...fullatom];
  const kmers = all.map((c) => kmerCodes(c.seq));
  // Inverted index 3-mer -> chain indices.
  const index = new Map<number, number[]>();
  kmers.forEach((ks, i) => {
    for (const k of ks) {
      let l = index.get(k);
      if (!l) index.set(k, l = []);
      l.push(i);
    }
  });
  const duplicates = new Map<string, string>();
  const nb = backbone.length;
  const counts = new Int32Array(all.length);
  for (let f = nb; f < all.length; f++) {
    const fc = all[f];
    uf.find(node(fc));
    counts.fill(0);
    for (const k of kmers[f]) for (const j of index.get(k)!) counts[j]++;
    const positions = kmerPositions(fc.seq);
    for (let j = 0; j < all.length; j++) {
      if (j === f || counts[j] === 0) continue;
      const shorter = Math.min(kmers[f].length, kmers[j].length);
      const need = Math.max(MIN_BAND_MATCHES, minShared * shorter);
      if (counts[j] < need) continue;
      if (bestBandMatches(positions, fc.seq.length, all[j].seq) < need) continue;
      uf.union(node(fc), node(all[j]));
      if (j < nb && counts[j] === shorter) {
        const b = all[j];
        const same = fc.seq.includes(b.seq) || b.seq.includes(fc.seq);
        // The first fullatom chain (manifest order) replaces the backbone copy.
        if (same && !duplicates.has(b.key)) duplicates.set(b.key, fc.key);
      }
    }
  }
  // Name each set: smallest backbone cluster name in it, else smallest fullatom key.
  const name = new Map<string, string>();
  const consider = (n: string) => {
    const root = uf.find(n);
    const label = n.startsWith("c:") ? `0${n.slice(2)}` : `1${n.slice(2)}`;
    const cur = name.get(root);
    if (cur === undefined || label < cur) name.set(root, label);
  };
  for (const c of all) consider(node(c));
  const clusterOf = new Map<string, string>();
  for (const c of all) {
    if (duplicates.has(c.key)) continue;
    clusterOf.set(c.key, name.get(uf.find(node(c)))!.slice(1));
  }
  return { clusterOf, duplicates };
}
