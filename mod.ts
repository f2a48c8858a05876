/**
 * denofold: a trainable AlphaFold2 in TypeScript on Deno.
 *
 * This is the public API that notebooks and analysis scripts import, in
 * sections: structures, sequences and alignments, features, training data,
 * model configuration, checkpoints, structure metrics, DSSP, dimensionality,
 * learning dynamics, figures and reports, arrays and files, randomness, and
 * errors.
 *
 * Code that builds or trains models uses the per-folder doors instead:
 * `model/af2/mod.ts` (the AlphaFold2 modules, the one-iteration model,
 * recycling), `model/nn/mod.ts` (parameters, Linear, attention),
 * `model/graph/mod.ts` (the graph IR, `grad`, ONNX, the runtime),
 * `model/losses/mod.ts`, `model/mod.ts` (parameter store, prediction),
 * `train/mod.ts` (step graphs, optimizer, loop, run config),
 * `model/features/mod.ts`, `model/protein/mod.ts` and `analysis/mod.ts`.
 *
 * Examples import it as `"denofold"` (deno.json maps that name to this file);
 * a notebook in `notebooks/` writes `"../mod.ts"`.
 *
 * @example Compare a structure with itself: TM-score 1, lDDT-Cα 1
 * ```ts
 * import { compareStructures, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const c = compareStructures(p, p);
 * console.log(c.tm.tmScore, c.lddtCa);
 * ```
 *
 * @example The secondary structure and radius of gyration of a structure
 * ```ts
 * import { caCoords, dsspProtein, radiusOfGyration, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/github/aqlaboratory_openfold/3zee.cif.gz");
 * const { xyz, mask } = caCoords(p);
 * console.log(dsspProtein(p).ss, radiusOfGyration(xyz, mask));
 * ```
 *
 * @module
 */

// ── Structures ────────────────────────────────────────────────────────────

export type { Protein } from "./model/protein/protein.ts";
export { proteinLength, selectResidues } from "./model/protein/protein.ts";
export {
  formatPdb,
  parsePdb,
  parsePdbModels,
  type PdbReadOptions,
  readPdb,
  readPdbModels,
  writePdb,
} from "./model/protein/pdb.ts";
export {
  formatMmcif,
  type MmcifEntry,
  type MmcifHeader,
  type MmcifReadOptions,
  parseMmcif,
  parseMmcifEntry,
  parseMmcifModels,
  readMmcif,
  readMmcifEntry,
  readMmcifModels,
  writeMmcif,
} from "./model/protein/mmcif.ts";
export type { StructureOptions, StructureWriteOptions } from "./model/protein/structure_select.ts";
export { isMmcifPath, readStructure, readStructureModels } from "./model/protein/structure_file.ts";
export {
  aatypeOf,
  ATOM_ORDER,
  ATOM_TYPE_NUM,
  ATOM_TYPES,
  oneLetter,
  RESTYPE_3,
  RESTYPE_NUM,
  RESTYPES,
  RESTYPES_WITH_X,
  UNK_AATYPE,
} from "./model/protein/residue_constants.ts";

// ── Sequences and alignments ──────────────────────────────────────────────

export type { Msa } from "./model/features/msa.ts";
export {
  type FastaOptions,
  type FastaRecord,
  formatFasta,
  parseFasta,
  readFasta,
} from "./model/features/fasta.ts";
export { type A3mOptions, parseA3m, readA3m } from "./model/features/a3m.ts";
export {
  parseStockholm,
  readStockholmMsa,
  type StockholmAlignment,
  stockholmToMsa,
  type StockholmToMsaOptions,
} from "./model/features/stockholm.ts";
export { type HhrResult, parseHhr, readHhr, type TemplateHit } from "./model/features/hhr.ts";
export {
  type AlignmentFileSpec,
  type AlignmentRole,
  type AlignmentSource,
  type ChainAlignments,
  chainTemplateHits,
  type DatabaseMsa,
  listAlignmentChains,
  openAlignmentSource,
  readAlignmentDir,
  type ReadAlignmentsOptions,
} from "./model/features/alignment_dir.ts";

// ── Features ──────────────────────────────────────────────────────────────

export {
  type AF2Features,
  type AF2TemplateFeatures,
  type AF2TrainingFeatures,
  buildFeatures,
  exampleFeeds,
  FEATURE_PRESETS,
  type FeatureConfig,
  type FeatureConfigInput,
  type FeatureExample,
  type FeatureInput,
  type FeatureMeta,
  type MsaSampleFeatures,
  parseFeatureConfig,
} from "./model/features/pipeline.ts";
export type { FeatureTensor } from "./model/features/feature_tensor.ts";
export type { BlockDeletionConfig, MaskedMsaConfig } from "./model/features/msa_features.ts";
export type { CropKind } from "./model/features/crop.ts";
export type {
  Atom14Masks,
  Atom14Positions,
  GroundTruthFeatures,
  GtTensor,
  PseudoBeta,
  RigidGroupFrames,
  TorsionAngles,
} from "./model/protein/gt_transforms.ts";
export {
  type BackboneChain,
  backboneToProtein,
  type CorpusReadOptions,
  readBackboneCorpus,
  readProfiles,
} from "./model/features/backbone_corpus.ts";
export {
  emptyTemplateFeatures,
  type MmcifDirReader,
  mmcifDirTemplateReader,
  type ReleaseDateReader,
  selectTemplates,
  templateDateCutoff,
  type TemplateFeatureOptions,
  type TemplateFeatureResult,
  type TemplateFeatures,
  templateFeatures,
  type TemplateReader,
} from "./model/features/templates.ts";

// ── Training data ─────────────────────────────────────────────────────────

export {
  type ChainEntry,
  Dataset,
  type DatasetOptions,
  type DatasetOptionsInput,
  type StructureReader,
} from "./train/data/dataset.ts";
export {
  type SplitConfig,
  type SplitConfigInput,
  type SplitName,
  splitOfCluster,
} from "./train/data/splits.ts";
export { type SampleDraw, WeightedSampler } from "./train/data/sampling.ts";

// ── Model configuration ───────────────────────────────────────────────────

export {
  AF2_MODEL_1,
  type DeepPartial,
  type ModelConfig,
  modelConfig,
  PRESETS,
} from "./model/af2/config.ts";
export { modelParamSpecs } from "./model/params.ts";
export type { Init, ParamSpec } from "./model/nn/mod.ts";

// ── Checkpoints ───────────────────────────────────────────────────────────

export {
  type Checkpoint,
  type CheckpointInfo,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  type LoadCheckpointOptions,
  readSidecar,
  saveCheckpoint,
  type Sidecar,
  type TrainState,
} from "./model/checkpoint.ts";

// ── Trained models and whole-chain evaluation ─────────────────────────────

export {
  exportTrainedModel,
  initialParamsFrom,
  loadTrainedModel,
  type ParamsKind,
  PRETRAINED_MODEL,
  runModelConfig,
  type RunModelFields,
  type TrainedModel,
} from "./model/trained.ts";
export {
  CHAIN_COLUMNS,
  type ChainMetrics,
  chainsCsv,
  type EvalSettings,
  type EvalSummary,
  Evaluator,
  extendedChain,
  parseChainsCsv,
  scoreChain,
  summarize,
} from "./train/evaluate.ts";
export {
  ablationArms,
  type Arm,
  mostlyAlpha,
  mostlyBeta,
  type SsFractions,
  trainingPool,
} from "./train/ablation.ts";
export {
  CHAIN_CLASSES,
  chainClassOf,
  EXTENT_BANDS,
  EXTENT_CUTS,
  extentBandOf,
  type GroupMean,
  groupMeans,
  LENGTH_BANDS,
  lengthBandOf,
  parseExtentCsv,
  type TestGroup,
} from "./train/test_groups.ts";

// ── Structure metrics: superposition, RMSD, TM-score, GDT, lDDT, contacts ─

export type { Coords } from "./analysis/geometry.ts";
export {
  applyTransform,
  kabschRmsd,
  type RigidTransform,
  rmsdNoSuperposition,
  superpose,
  type Superposition,
} from "./analysis/superpose.ts";
export { tmD0, type TmResult, tmScore } from "./analysis/tm_score.ts";
export { lddt, lddtAllAtom, type LddtOptions, type LddtResult } from "./analysis/lddt.ts";
export {
  contactMap,
  type ContactPrecision,
  contactPrecision,
  proteinContactMap,
  SEPARATION_RANGES,
  type SeparationRange,
} from "./analysis/contacts.ts";
export {
  compareStructures,
  pairResidues,
  type ResiduePairing,
  type StructureComparison,
} from "./analysis/metrics.ts";
export {
  caCoords,
  cbOrCaCoords,
  type ProteinBackbone,
  proteinBackbone,
} from "./analysis/protein_coords.ts";

// ── DSSP ──────────────────────────────────────────────────────────────────

export {
  type BridgeType,
  COIL,
  dssp,
  type DsspInput,
  type DsspOptions,
  dsspProtein,
  type DsspResult,
  formatSs,
  type Ladder,
  type ProteinDssp,
  sheetLabels,
  toThreeState,
} from "./analysis/dssp.ts";
export type { HBondTable } from "./analysis/dssp_hbond.ts";
export { type ClassicDsspResidue, parseClassicDssp } from "./analysis/dssp_classic.ts";

// ── Dimensionality ────────────────────────────────────────────────────────

export {
  type AxisGrowth,
  axisGrowth,
  type Dimensionality,
  dimensionality,
  radiusOfGyration,
} from "./analysis/dimensionality.ts";

// ── Learning dynamics of a training run ───────────────────────────────────

export {
  type ByClass,
  type ByRange,
  caFromBackbone,
  COLLAPSE_DISTANCE,
  CURVE_NAMES,
  type CurveName,
  type DynamicsOptions,
  type DynamicsResult,
  learningDynamics,
  learningOrder,
  MILESTONE_CURVES,
  ORDER_GROUPS,
  type OrderEntry,
  type ProbeStep,
  probeStep,
  type ProbeTruth,
  probeTruth,
  probeWarnings,
  SS_CLASSES,
  type SsClass,
  type StepDynamics,
  summarizeDynamics,
} from "./analysis/dynamics.ts";
export {
  COLLAPSE_OVER,
  findingsSpread,
  longRangeChance,
  type SeedFindings,
  seedFindings,
  type Spread,
  spreadOf,
  SS_LEARNT_LDDT,
} from "./analysis/seed_spread.ts";
export { type RunStability, runStability } from "./analysis/stability.ts";
export {
  type Crossing,
  DEFAULT_FRACTIONS,
  type Milestones,
  milestones,
} from "./analysis/milestones.ts";
export {
  lossKeys,
  type MetricLine,
  readRunMetrics,
  validationKeys,
} from "./analysis/run_metrics.ts";
export {
  logSpacedSteps,
  type Probe,
  readSnapshots,
  type Snapshot,
  type SnapshotProbe,
} from "./analysis/snapshots.ts";

// ── Figures and reports ───────────────────────────────────────────────────

export {
  AXIS_COLORS,
  type CurveFigureOptions,
  lineTrace,
  type PlotlyFigure,
  type PlotlyTrace,
  RANGE_COLORS,
  SS_COLORS,
  stepAxis,
} from "./analysis/figures/plotly_spec.ts";
export {
  contactPrecisionFigure,
  dimensionalityFigure,
  lddtByClassFigure,
  learningCurvesFigure,
  LOSS_FAMILIES,
  lossFamilies,
  lossPanelsFigure,
  smoothSeries,
  ssFormedFigure,
} from "./analysis/figures/learning_figures.ts";
export {
  backboneTrace,
  backboneViewerFigure,
  type BackboneViewOptions,
  contactMapFigure,
  type GalleryOptions,
  paeHeatmapFigure,
  type PaeOptions,
  PLDDT_COLORSCALE,
  traceGalleryFigure,
} from "./analysis/figures/structure_figures.ts";
export {
  caPdb,
  caTraceView,
  predictionView,
  type PredictionViewOptions,
  type StructureView,
  structureViewHtml,
  threeDmolJsPath,
  threeDmolJsSource,
  threeDmolScriptTag,
  type ViewerModel,
} from "./analysis/figures/structure_viewer.ts";
export {
  contactMapSvg,
  dimensionalitySvg,
  lddtByClassSvg,
  type LineChartOptions,
  lineChartSvg,
  type SvgSeries,
  xmlEscape,
} from "./analysis/figures/svg_charts.ts";
export {
  figureHtml,
  htmlEscape,
  plotlyJsPath,
  plotlyJsSource,
  plotlyScriptTag,
  renderReport,
  type Report,
  type ReportSection,
  type ReportTable,
  writeReport,
} from "./analysis/report.ts";
export {
  dynamicsReport,
  type DynamicsReportInput,
  milestoneTable,
} from "./analysis/dynamics_report.ts";

// ── Arrays and files ──────────────────────────────────────────────────────

export {
  asFloat32,
  asFloat64,
  asInt32,
  type DType,
  type NdArray,
  numel,
} from "./model/io/ndarray.ts";
export {
  encodeNpy,
  encodeNpz,
  type NpzOptions,
  parseNpy,
  parseNpz,
  readNpy,
  readNpz,
} from "./model/io/npz.ts";
export {
  encodeSafetensors,
  type NamedArrays,
  parseSafetensors,
  readSafetensors,
  type Safetensors,
  writeSafetensors,
} from "./model/io/safetensors.ts";

// ── Randomness ────────────────────────────────────────────────────────────

export { hashSeed, Rng } from "./model/util/rng.ts";

// ── Errors ────────────────────────────────────────────────────────────────

export {
  DenofoldError,
  exitCodeOf,
  InputError,
  ParseError,
  type ParseLocation,
  RunError,
  ToolError,
  UsageError,
} from "./model/util/errors.ts";
