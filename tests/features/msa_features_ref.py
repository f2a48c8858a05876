"""Independent numpy reference for the MSA cluster features of AF2/OpenFold
(nearest_neighbor_clusters, summarize_clusters, make_msa_feat, extra features),
written from the formulas of OpenFold data_transforms.py with numpy einsum.

stdin: JSON {L, tokens [N*L], deletions [N*L], centres [C], masked [C*L],
             extras [E], extra_kept [K], gap_weight}
stdout: JSON {assignment [E], msa_feat [C*L*49], extra_has_deletion, extra_deletion_value}
"""
import json
import sys

import numpy as np

d = json.load(sys.stdin)
L = d["L"]
tok = np.array(d["tokens"], dtype=np.int64).reshape(-1, L)
dele = np.array(d["deletions"], dtype=np.float64).reshape(-1, L)
centres = np.array(d["centres"], dtype=np.int64)
extras = np.array(d["extras"], dtype=np.int64)
masked = np.array(d["masked"], dtype=np.int64).reshape(-1, L)


def one_hot(x, n):
    return np.eye(n)[x]


weights = np.concatenate([np.ones(21), [d["gap_weight"]], [0.0]])
centre_1h = one_hot(masked, 23)
extra_tok = tok[extras]
extra_1h = one_hot(extra_tok, 23)
agreement = np.einsum("mrc,nrc,c->nm", centre_1h, extra_1h, weights)
assignment = np.argmax(agreement, axis=1) if len(extras) else np.zeros(0, np.int64)

C = len(centres)
counts = 1e-6 + np.ones((C, L))
prof = centre_1h.copy()
delsum = dele[centres].copy()
for e, c in enumerate(assignment):
    counts[c] += 1
    prof[c] += extra_1h[e]
    delsum[c] += dele[extras[e]]
cluster_profile = prof / counts[:, :, None]
cluster_del_mean = delsum / counts

cd = dele[centres]
msa_feat = np.concatenate(
    [
        centre_1h,
        np.clip(cd, 0, 1)[..., None],
        (np.arctan(cd / 3) * 2 / np.pi)[..., None],
        cluster_profile,
        (np.arctan(cluster_del_mean / 3) * 2 / np.pi)[..., None],
    ],
    axis=-1,
)
kept = extras[np.array(d["extra_kept"], dtype=np.int64)] if len(d["extra_kept"]) else []
ed = dele[kept] if len(kept) else np.zeros((0, L))
json.dump(
    {
        "assignment": assignment.tolist(),
        "msa_feat": msa_feat.reshape(-1).tolist(),
        "extra_msa": (tok[kept].reshape(-1).tolist() if len(kept) else []),
        "extra_has_deletion": np.clip(ed, 0, 1).reshape(-1).tolist(),
        "extra_deletion_value": (np.arctan(ed / 3) * 2 / np.pi).reshape(-1).tolist(),
    },
    sys.stdout,
)
