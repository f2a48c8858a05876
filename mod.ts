/**
 * denofold: a trainable AlphaFold2 in TypeScript on Deno.
 *
 * This is the public API that notebooks and analysis scripts import.
 *
 * @module
 */

export * from "./model/protein/residue_constants.ts";
export type { Protein } from "./model/protein/protein.ts";
export { proteinLength, selectResidues } from "./model/protein/protein.ts";
export { ParseError, type ParseLocation } from "./model/util/errors.ts";
export * from "./model/features/backbone_corpus.ts";
export * from "./model/io/ndarray.ts";
export * from "./model/io/npz.ts";
export * from "./model/io/atomic.ts";
export * from "./model/io/safetensors.ts";
export * from "./model/util/rng.ts";
export * from "./model/features/feature_tensor.ts";
export * from "./model/features/msa_features.ts";
export * from "./model/features/profile_msa.ts";
export * from "./model/features/crop.ts";
export * from "./model/features/pipeline.ts";
export * from "./model/protein/rigid.ts";
export {
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
export { type ClassicDsspResidue, parseClassicDssp } from "./analysis/dssp_classic.ts";
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
  type AxisGrowth,
  axisGrowth,
  type Dimensionality,
  dimensionality,
  radiusOfGyration,
} from "./analysis/dimensionality.ts";
export {
  compareStructures,
  pairResidues,
  type ResiduePairing,
  type StructureComparison,
} from "./analysis/metrics.ts";
export { caCoords, cbOrCaCoords, proteinBackbone } from "./analysis/protein_coords.ts";
export {
  formatPdb,
  parsePdb,
  parsePdbModels,
  parsePdbRecords,
  type PdbReadOptions,
  readPdb,
  readPdbModels,
  writePdb,
} from "./model/protein/pdb.ts";
export {
  type CifBlock,
  type CifValue,
  formatMmcif,
  type MmcifReadOptions,
  parseCif,
  parseMmcif,
  parseMmcifModels,
  parseMmcifRecords,
  readMmcif,
  readMmcifModels,
  writeMmcif,
} from "./model/protein/mmcif.ts";
export type {
  AtomRecord,
  StructureOptions,
  StructureWriteOptions,
} from "./model/protein/structure_select.ts";
export { isMmcifPath, readStructure, readStructureModels } from "./model/protein/structure_file.ts";
export * from "./model/protein/gt_transforms.ts";
export type { Msa } from "./model/features/msa.ts";
export {
  type FastaOptions,
  type FastaRecord,
  formatFasta,
  parseFasta,
  readFasta,
} from "./model/features/fasta.ts";
export { type A3mOptions, parseA3m, readA3m, splitA3mRow } from "./model/features/a3m.ts";
export {
  formatStockholm,
  hmmsearchTemplateHits,
  parseStockholm,
  parseStockholmAll,
  readStockholmMsa,
  removeEmptyColumns,
  type StockholmAlignment,
  stockholmToMsa,
  type StockholmToMsaOptions,
  truncateStockholm,
} from "./model/features/stockholm.ts";
export {
  type HhrResult,
  parseHhr,
  queryToTemplateMapping,
  readHhr,
  type TemplateHit,
} from "./model/features/hhr.ts";
export {
  ALIGNMENT_FILES,
  type AlignmentDb,
  type AlignmentDbIndex,
  AlignmentDbIndexSchema,
  type AlignmentFileSpec,
  type AlignmentRole,
  type ChainAlignments,
  chainFiles,
  type DatabaseMsa,
  listAlignmentChains,
  openAlignmentDb,
  parseAlignmentDbIndex,
  readAlignmentDir,
  type ReadAlignmentsOptions,
  writeAlignmentDb,
} from "./model/features/alignment_dir.ts";
export { buildAlignments, type MsaCliOptions, parseMsaArgs } from "./train/cli/msa.ts";
export { fillVirtualCb } from "./model/features/virtual_cb.ts";
export { alignToQuery, fitsQuery, structureOnQuery } from "./model/features/structure_to_query.ts";
export {
  type ChainEntry,
  Dataset,
  type DatasetOptions,
  DatasetOptionsSchema,
  dominantResidueFraction,
  type StructureReader,
} from "./train/data/dataset.ts";
export {
  type SplitConfig,
  SplitConfigSchema,
  type SplitName,
  splitOfCluster,
} from "./train/data/splits.ts";
export {
  af2SampleWeights,
  AliasTable,
  lengthFactor,
  type SampleDraw,
  WeightedSampler,
} from "./train/data/sampling.ts";
export { type ClusterChain, clusterChains, type ClusterResult } from "./train/data/clusters.ts";
export { inputEmbedder, type InputEmbedderDims, relpos } from "./model/af2/input_embedder.ts";
export {
  type DistogramBins,
  oneHotDistogram,
  recyclingEmbedder,
} from "./model/af2/recycling_embedder.ts";
export { buildExtraMsaFeat, extraMsaEmbedder } from "./model/af2/extra_msa_embedder.ts";
export {
  buildTemplateAngleFeat,
  buildTemplatePairFeat,
  type TemplateInputs,
  type TemplatePairFeatOptions,
} from "./model/af2/template_features.ts";
export {
  templatePairStack,
  templatePairStackBlock,
  type TemplatePairStackDims,
} from "./model/af2/template_pair_stack.ts";
export {
  templatePointwiseAttention,
  type TemplatePointwiseAttentionDims,
} from "./model/af2/template_pointwise_attention.ts";
export {
  type TemplateBatch,
  templateEmbedder,
  type TemplateEmbedding,
} from "./model/af2/template_embedder.ts";
export {
  triangleMultiplication,
  type TriangleMultiplicationDims,
} from "./model/af2/triangle_multiplication.ts";
export { triangleAttention, type TriangleAttentionDims } from "./model/af2/triangle_attention.ts";
export {
  type MsaAttentionDims,
  msaColumnAttention,
  msaColumnGlobalAttention,
  type MsaGlobalAttentionDims,
  msaRowAttentionWithPairBias,
} from "./model/af2/msa_attention.ts";
export { outerProductMean, type OuterProductMeanDims } from "./model/af2/outer_product_mean.ts";
export {
  type BlockOptions,
  evoformerBlock,
  type EvoformerBlockConfig,
  evoformerBlocks,
  type EvoformerOutput,
  evoformerSingle,
  evoformerStack,
  type MsaPair,
  msaUpdates,
  pairStack,
} from "./model/af2/evoformer.ts";
export { extraMsaBlock, extraMsaStack, type ExtraMsaStackConfig } from "./model/af2/extra_msa.ts";
export {
  structureModule,
  type StructureModuleConfig,
  structureModuleInit,
  type StructureModuleInputs,
  structureModuleLayer,
  type StructureModuleOutput,
} from "./model/af2/structure_module.ts";
export { invariantPointAttention, type IpaDims } from "./model/af2/invariant_point_attention.ts";
export { backboneUpdate, backboneUpdateVector } from "./model/af2/backbone_update.ts";
export { angleResnet, type AngleResnetDims } from "./model/af2/angle_resnet.ts";
export {
  atom14ToAtom37,
  atom37AtomExists,
  framesToAtom14,
  residxAtom37ToAtom14,
  torsionAnglesToFrames,
} from "./model/af2/torsion_to_atoms.ts";
export * as graphRigid from "./model/af2/rigid.ts";
export {
  auxiliaryHeads,
  type AuxiliaryHeadsOutput,
  computePlddt,
  computePredictedAlignedError,
  computePtm,
  distogramHead,
  experimentallyResolvedHead,
  maskedMsaHead,
  plddtHead,
  tmHead,
} from "./model/af2/heads.ts";
export {
  AF2_KEY_PREFIX,
  type Af2Layout,
  type Af2Source,
  af2SourceOf,
  checkParamShapes,
  checkParamValues,
  convertAf2Params,
  importAf2Npz,
  loadParams,
  type LoadParamsOptions,
  modelParamSpecs,
  type ParamCheckOptions,
  type ParamMismatch,
  ParamStoreError,
  type ParamValues,
  saveParams,
} from "./model/params.ts";
export {
  alphafoldLoss,
  type AlphaFoldLossOptions,
  type AlphaFoldLossResult,
  type LossBatch,
  type LossModelOutputs,
} from "./model/losses/total.ts";
export {
  LOSS_STAGES,
  type LossConfig,
  lossConfig,
  type LossConfigOverrides,
  lossConfigSchema,
  type LossStage,
} from "./model/losses/config.ts";
export { backboneFapeLoss, computeFape, sidechainFapeLoss } from "./model/losses/fape.ts";
export { renameSymmetricGroundTruth } from "./model/losses/renaming.ts";
export { supervisedChiLoss } from "./model/losses/chi.ts";
export { distogramLoss } from "./model/losses/distogram.ts";
export { maskedMsaLoss } from "./model/losses/masked_msa.ts";
export { lddtCaGraph, lddtGraph, plddtLoss } from "./model/losses/plddt.ts";
export { experimentallyResolvedLoss } from "./model/losses/experimentally_resolved.ts";
export {
  findStructuralViolations,
  violationLoss,
  violationMetrics,
  type Violations,
} from "./model/losses/violations.ts";
export { tmLoss } from "./model/losses/tm.ts";
export { type LossBatchDims, lossBatchInputs } from "./model/losses/inputs.ts";
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
  type Crossing,
  DEFAULT_FRACTIONS,
  type Milestones,
  milestones,
} from "./analysis/milestones.ts";
export {
  lossKeys,
  type MetricLine,
  metricLineSchema,
  readRunMetrics,
  validationKeys,
} from "./analysis/run_metrics.ts";
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
export * as graph from "./model/graph/mod.ts";
export { ModelBuilder, type ParamSpec, Scope } from "./model/nn/scope.ts";
export { initParams } from "./model/nn/init.ts";
export { type ModelConfig, modelConfig, modelConfigSchema, PRESETS } from "./model/af2/config.ts";
export {
  af2Plan,
  type Af2PlanOptions,
  defaultPlanKind,
  type LossGraph,
  lossPlan,
  type Plan,
  type PlanKind,
  type Segment,
} from "./model/exec/plan.ts";
export { Executor, type LossResult, type PassStats } from "./model/exec/executor.ts";
export { type DropoutStream, dropoutStream } from "./model/exec/dropout.ts";
export {
  alphafoldEmbed,
  type AlphaFoldFeatures,
  alphafoldIteration,
  type AlphaFoldOutputs,
  alphafoldPreEmbed,
  alphafoldTail,
  type Embedded,
  featureInputs,
  type GraphDims,
  pairMaskOf,
  type PreEmbedded,
  pseudoBeta,
  type Recycled,
} from "./model/af2/alphafold.ts";
export {
  initialState,
  type Reducer,
  type Sample,
  type StepResult,
  type StepStats,
  TrainStep,
} from "./train/step.ts";
export type { TrainState } from "./model/checkpoint.ts";
export { adamUpdate, AF2_OPTIMIZER, type OptimizerConfig } from "./train/optimizer.ts";
export { type LoopOptions, trainLoop, type TrainTask } from "./train/loop.ts";
export { type Af2Training, af2Training } from "./train/af2_task.ts";
export { type Prediction, type PredictRequest, predictStructure } from "./model/predict.ts";
export { type RunConfig, runConfigSchema } from "./train/config.ts";
export {
  type Checkpoint,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  readSidecar,
  type Sidecar,
  sidecarSchema,
} from "./model/checkpoint.ts";
export { logSpacedSteps, type Probe, readSnapshots, type Snapshot } from "./analysis/snapshots.ts";
export {
  cropTemplateFeatures,
  DEFAULT_MAX_SUBSEQUENCE_RATIO,
  DEFAULT_MIN_ALIGN_RATIO,
  DEFAULT_MIN_REALIGN_IDENTITY,
  DEFAULT_MIN_TEMPLATE_LENGTH,
  type MappedTemplate,
  mapTemplateToQuery,
  mmcifDirTemplateReader,
  realignTemplateToChain,
  selectChain,
  TEMPLATE_GAP_AATYPE,
  type TemplateFeatureOptions,
  type TemplateFeatureResult,
  type TemplateFeatures,
  templateFeatures,
  templateHitId,
  templateHitRejection,
  type TemplateReader,
} from "./model/features/templates.ts";
