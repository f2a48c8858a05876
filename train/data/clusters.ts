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
 *   at least `minShared` of the distinct 3-mers of the shorter of the two, and to
 *   other chains of the same PDB entry; linked chains form one cluster (union
 *   find), and clusters joined through a fullatom chain merge — splitting by the
 *   merged clusters can only be stricter than splitting by `clu30`.
 *
 * A shared-3-mer fraction of 0.2 corresponds to roughly 55–60 % identity (a
 * 3-mer survives with probability id³) and is about 10 standard deviations above
 * unrelated sequences of up to 500 residues. It is therefore less sensitive than a
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
  /** PDB entry (4 characters, lower case) for same-entry linking, if known. */
  pdb?: string;
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

function kmerCodes(seq: string): Int32Array {
  const set = new Set<number>();
  for (let i = 0; i + 3 <= seq.length; i++) {
    set.add(
      (seq.charCodeAt(i) - 64) * 1024 + (seq.charCodeAt(i + 1) - 64) * 32 + seq.charCodeAt(i + 2) -
        64,
    );
  }
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
  const byPdb = new Map<string, number>();
  const nb = backbone.length;
  const counts = new Int32Array(all.length);
  for (let f = nb; f < all.length; f++) {
    const fc = all[f];
    uf.find(node(fc));
    if (fc.pdb) {
      const other = byPdb.get(fc.pdb);
      if (other !== undefined) uf.union(node(fc), node(all[other]));
      else byPdb.set(fc.pdb, f);
    }
    counts.fill(0);
    for (const k of kmers[f]) for (const j of index.get(k)!) counts[j]++;
    for (let j = 0; j < all.length; j++) {
      if (j === f || counts[j] === 0) continue;
      const shorter = Math.min(kmers[f].length, kmers[j].length);
      if (counts[j] < minShared * shorter) continue;
      uf.union(node(fc), node(all[j]));
      if (j < nb && counts[j] === shorter) {
        const b = all[j];
        if (fc.seq.includes(b.seq) || b.seq.includes(fc.seq)) duplicates.set(b.key, fc.key);
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
