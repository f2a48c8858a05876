/**
 * Test fixtures for the HHR parser (shared by the parser and fuzz tests).
 *
 * @module
 */

/**
 * A real report: Debian's hhsearch 3.3.0 run with "-aliw 40" (so alignments span
 * several blocks) for the 2crb_A BFD/Uniclust MSA of ../shared/data/msa/openfold
 * against a small database of HMMs built with hhmake from the MSAs of 4zey_A, 3zee_A,
 * 1psm_A and 2q2k_A. Kept verbatim so the test runs where HH-suite is absent.
 */
export const REPORT = `Query         query
Match_columns 97
No_of_seqs    105 out of 416
Neff          6.631
Searched_HMMs 4
Date          Wed Nov 25 07:55:26 2026
Command       /usr/libexec/hhsuite/hhsearch-avx2 -v 0 -i q.a3m -d db -o out40.hhr -cpu 1 -aliw 40 

 No Hit                             Prob E-value P-value  Score    SS Cols Query HMM  Template HMM
  1 4zey_A                          99.8 1.3E-28 3.3E-29  135.4   0.0   82    8-89      2-83  (84)
  2 2q2k_A                           0.4    0.57    0.14   10.5   0.0   22   40-61     38-59  (70)

No 1
>4zey_A
Probab=99.81  E-value=1.3e-28  Score=135.35  Aligned_cols=82  Identities=94%  Similarity=1.307  Sum_probs=78.9  Template_Neff=8.153

Q query             8 MEGPLNLAHQQSRRADRLLAAGKYEEAISCHRKATTYLSE   47 (97)
Q Consensus         8 ~~spLn~AH~~ar~Ae~~~~~g~~~eAi~~h~~Aa~~l~~   47 (97)
                      +++|||.||+++|+||.|+++|+|++|++||.+|+++|.+
T Consensus         2 ~~~pl~~AH~~~r~Ae~~~~~~~~~~A~~~h~~Aa~~l~~   41 (84)
T 4zey_A            2 MEGPLNLAHQQSRRADRLLAAGKYEEAISCHKKAAAYLSE   41 (84)
Confidence            5789999999999999999999999999999999999999


Q query            48 AMKLTESEQAHLSLELQRDSHMKQLLLIQERWKRAKREER   87 (97)
Q Consensus        48 A~~~t~d~~a~~SL~Lq~~~H~kq~~~l~~r~~~~~~~~~   87 (97)
                      |+..|.|+++++||+||+++|.|+.++|++++.+..++.+
T Consensus        42 a~~~~~d~~~~~sL~lq~~~H~kq~~~i~~~~~~~~~~~~   81 (84)
T 4zey_A           42 AMKLTQSEQAHLSLELQRDSHMKQLLLIQERWKRAQREER   81 (84)
Confidence            9999999999999999999999999999999999998887


Q query            88 LK   89 (97)
Q Consensus        88 ~~   89 (97)
                      ..
T Consensus        82 ~~   83 (84)
T 4zey_A           82 LK   83 (84)
Confidence            54


No 2
>2q2k_A
Probab=0.41  E-value=0.57  Score=10.52  Aligned_cols=22  Identities=14%  Similarity=0.202  Sum_probs=9.4  Template_Neff=1.305

Q query            40 KATTYLSEAMKLTESEQAHLSL   61 (97)
Q Consensus        40 ~Aa~~l~~A~~~t~d~~a~~SL   61 (97)
                      ++-++|+..-..|...-+.+.|
T Consensus        38 qif~fle~vp~gtktahireal   59 (70)
T 2q2k_A           38 QIFDFLENVPRGTKTAHIREAL   59 (70)
Confidence            3344444433344444444444


`;

/** The 2crb_A query (entity sequence of PDB 2CRB) and the 4zey_A/2q2k_A templates. */
export const Q_2CRB =
  "GSSGSSGMEGPLNLAHQQSRRADRLLAAGKYEEAISCHRKATTYLSEAMKLTESEQAHLSLELQRDSHMKQLLLIQERWKRAKREERLKAHSGPSSG";
export const Q_4ZEY =
  "GMEGPLNLAHQQSRRADRLLAAGKYEEAISCHKKAAAYLSEAMKLTQSEQAHLSLELQRDSHMKQLLLIQERWKRAQREERLKA";
