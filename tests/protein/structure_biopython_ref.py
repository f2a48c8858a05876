"""Independent reference for the structure readers' tests (never used by the product).

Reads PDB / mmCIF files with Biopython (Bio.PDB.PDBParser / MMCIFParser, and
MMCIF2Dict / MODRES lines for the modified-residue table), applies the same
documented selection policy as model/protein/structure_select.ts on top of
Biopython's own altloc handling (DisorderedAtom: highest occupancy, ties first),
and prints, per file, the first model's residues with their atom37-named atoms.

stdin: JSON list of paths (.pdb/.ent/.cif, optionally .gz). stdout: JSON list of
{"path", "residues": [{"chain", "resseq", "icode", "resname", "micro", "atoms"}]}.
"""

import gzip
import io
import json
import sys
import warnings

from Bio.PDB import MMCIFParser, PDBParser
from Bio.PDB.MMCIF2Dict import MMCIF2Dict

STANDARD = {
    "ALA", "ARG", "ASN", "ASP", "CYS", "GLN", "GLU", "GLY", "HIS", "ILE",
    "LEU", "LYS", "MET", "PHE", "PRO", "SER", "THR", "TRP", "TYR", "VAL",
}
ATOM37 = {
    "N", "CA", "C", "CB", "O", "CG", "CG1", "CG2", "OG", "OG1", "SG", "CD", "CD1",
    "CD2", "ND1", "ND2", "OD1", "OD2", "SD", "CE", "CE1", "CE2", "CE3", "NE", "NE1",
    "NE2", "OE1", "OE2", "CH2", "NH1", "NH2", "OH", "CZ", "CZ2", "CZ3", "NZ", "OXT",
}
WATER = {"HOH", "WAT", "DOD", "H2O", "D2O", "TIP", "TIP3", "SOL"}
NUCLEIC = {"A", "C", "G", "U", "T", "I", "N", "DA", "DC", "DG", "DT", "DU", "DI", "DN"}


def text_of(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return f.read()


def modified_table(path, text):
    table = {"MSE": "MET"}
    if ".cif" in path:
        d = MMCIF2Dict(io.StringIO(text))
        pairs = [
            ("_chem_comp.id", "_chem_comp.mon_nstd_parent_comp_id"),
            ("_pdbx_struct_mod_residue.label_comp_id", "_pdbx_struct_mod_residue.parent_comp_id"),
            ("_pdbx_struct_mod_residue.auth_comp_id", "_pdbx_struct_mod_residue.parent_comp_id"),
        ]
        for name_tag, parent_tag in pairs:
            for name, parent in zip(d.get(name_tag, []), d.get(parent_tag, [])):
                if parent not in ("?", "."):
                    table[name] = parent
    else:
        for line in text.splitlines():
            if line.startswith("MODRES") and len(line) >= 27:
                table[line[12:15].strip()] = line[24:27].strip()
    return table


def residues(path):
    text = text_of(path)
    table = modified_table(path, text)
    parser = MMCIFParser(QUIET=True) if ".cif" in path else PDBParser(QUIET=True)
    structure = parser.get_structure("x", io.StringIO(text))
    model = next(iter(structure))
    out = []
    for chain in model:
        for res in chain:
            het, resseq, icode = res.get_id()
            name = res.get_resname()
            if het == "W" or name in WATER or name in NUCLEIC or table.get(name) in NUCLEIC:
                continue
            if het.startswith("H_") and not (name in STANDARD or table.get(name) in STANDARD):
                continue
            atoms = {}
            for atom in res:
                atom_name = atom.get_id()
                if name == "MSE" and atom_name == "SE":
                    atom_name = "SD"
                if atom_name in ATOM37:
                    atoms[atom_name] = [float(v) for v in atom.get_coord()]
            parent = name if name in STANDARD else table.get(name, "UNK")
            out.append({
                "chain": chain.id,
                "resseq": int(resseq),
                "icode": icode.strip(),
                "resname": parent if parent in STANDARD else "UNK",
                "micro": res.is_disordered() == 2,
                "atoms": atoms,
            })
    return out


def main():
    warnings.simplefilter("ignore")
    paths = json.load(sys.stdin)
    json.dump([{"path": p, "residues": residues(p)} for p in paths], sys.stdout)


if __name__ == "__main__":
    main()
