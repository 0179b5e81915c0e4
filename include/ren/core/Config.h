#pragma once
// The typed configuration of a run. A TOML file (plus `--set section.key=value` overrides) is
// parsed once into these structs by loadConfig() (ConfigSchema.h); every stage reads only these.
// Defaults here are the defaults of the framework; configs/*.toml override them.
#include <cstdint>
#include <string>
#include <utility>

namespace ren {

/// [run]: where the run lives, its seed and its resources.
struct RunConfig {
  std::string dir = "runs/demo";  ///< run directory (relative paths are relative to the working directory)
  std::string name;               ///< run id used in tables; empty = the run directory's name
  std::int64_t seed = 42;         ///< run seed: every other seed derives from it
  int threads = 0;                ///< worker threads per process; 0 = allocation (SLURM_CPUS_PER_TASK, OMP_NUM_THREADS) or all cores
  std::string logLevel = "info";  ///< trace, debug, info, warn, error
};

/// [cohort]: where the scans come from.
struct CohortConfig {
  std::string source = "synthetic";  ///< synthetic (generated into RUN/cohort by the synth stage) or table
  std::string table;                 ///< cohort CSV (scan_id, patient_id, label, image, lobes, site) when source = table
  std::string labels = "lungmask";   ///< lobe-map convention: a name from the LabelConvention registry, auto or custom
  std::string lobeLabels;            ///< labels = custom: the label values of LUL,LLL,RUL,RML,RLL, e.g. "21,22,23,24,25"
};

/// [synth]: the built-in synthetic ILD cohort (`ren synth`).
struct SynthConfig {
  int patients = 50;                 ///< number of patients
  int maxScansPerPatient = 4;        ///< longitudinal scans per patient are drawn from 1..this (mean ~ 3 when 4)
  int size = 96;                     ///< voxels per in-plane axis
  double spacing = 2.5;              ///< in-plane voxel size, mm
  int sites = 3;                     ///< scanner sites (noise, kernel blur, slice thickness differ per site)
  double prevalence = 0.5;           ///< fraction of patients with ILD
  double converters = 0.15;          ///< fraction of ILD patients whose first scan is still label 0
  double confounders = 0.5;          ///< fraction of control patients with atelectasis or emphysema
  std::string labels = "lungmask";   ///< lobe-map convention written: lungmask or totalseg-v2
  std::int64_t seed = 0;             ///< cohort seed; 0 = derive from run.seed
};

/// [split]: the patient-level cross-validation split (METHOD.md section 4).
struct SplitConfig {
  int folds = 5;                 ///< number of patient-level folds
  bool rotateValTest = false;    ///< also run every fold with the val/test halves swapped (doubles the grid)
};

/// [preprocess]: stage 1 (METHOD.md section 2).
struct PreprocessConfig {
  std::string preset = "lung";       ///< lung (window [-1000,400], crop to the lungs) or paper (reference-code parity)
  int grid = 96;                     ///< model grid edge (voxels)
  double isoSpacing = 1.0;           ///< isotropic resampling, mm
  double marginMm = 10.0;            ///< lung preset: margin around the lung bounding box, mm
  int shardScans = 32;               ///< scans per HDF5 shard
  int compression = 4;               ///< deflate level of the shards (0 = none)
  double geometryTolerance = 1e-3;   ///< image vs lobe map geometry tolerance (relative to the voxel size)
};

/// [radiomics] -- stage 1b, PyRadiomics-compatible features (METHOD.md section 3); defaults = PyRadiomics.
struct RadiomicsConfig {
  double binWidth = 25.0;            ///< fixed bin width in HU (edges from 0)
  int binCount = 0;                  ///< fixed bin count instead of bin_width; 0 = use bin_width
  double voxelArrayShift = 0.0;      ///< added to HU in Energy, TotalEnergy, RootMeanSquared
  std::string distances = "1";       ///< Chebyshev distances of the texture angles, e.g. "1" or "1,2"
  std::string weightingNorm = "none";  ///< none (average per angle), manhattan, euclidean, infinity, no_weighting
  double gldmAlpha = 0.0;            ///< GLDM dependence tolerance (gldm_a)
  std::string resegmentRange;        ///< "lo,hi" HU kept in the ROI (empty = none)
  int minimumRoiDimensions = 2;      ///< regions with fewer axes of extent > 1 are NaN rows
  std::int64_t minimumRoiSize = 0;   ///< regions with fewer voxels are NaN rows; 0 = no minimum
};

/// How one network is trained (METHOD.md section 5); one per expert architecture and one for the
/// whole-lung baselines. Defaults here are the CNN expert's; the schema sets each section's own.
struct TrainRecipe {
  double lr = 1e-4;                  ///< AdamW learning rate (betas 0.9, 0.999)
  double weightDecay = 1e-4;         ///< AdamW decoupled weight decay
  int batch = 4;                     ///< training batch size
  int epochs = 100;                  ///< maximum epochs
  int patience = 15;                 ///< early stopping: epochs without improvement of `monitor`
  std::string monitor = "val_loss";  ///< early-stopping and best-epoch criterion: val_loss or val_auc
  double minDelta = 0.0;             ///< an improvement must exceed this
  std::string scheduler = "plateau"; ///< plateau (ReduceLROnPlateau on val AUC), cosine (per epoch) or none
  double plateauFactor = 0.5;        ///< plateau: lr multiplier
  int plateauPatience = 5;           ///< plateau: epochs without val-AUC improvement before reducing
  int cosineEpochs = 0;              ///< cosine: T_max in epochs; 0 = the recipe's epochs
  double minLr = 1e-6;               ///< cosine: eta_min; plateau: the floor
  double labelSmoothing = 0.05;      ///< cross-entropy label smoothing
  double clipNorm = 1.0;             ///< gradient clipping (L2 norm); 0 = off
  bool classWeights = true;          ///< class-weighted CE, w_c = N_train / (2 N_train,c), training split only
  std::string augment = "strong";    ///< training augmentation: strong (CNN's), light (ViT/Mamba's) or none
};

/// A recipe with the given values and the defaults above for the rest.
inline TrainRecipe makeRecipe(double lr, double weightDecay, int batch, int epochs, int patience, std::string scheduler,
                              double labelSmoothing, double clipNorm, std::string augment) {
  TrainRecipe r;
  r.lr = lr;
  r.weightDecay = weightDecay;
  r.batch = batch;
  r.epochs = epochs;
  r.patience = patience;
  r.scheduler = std::move(scheduler);
  r.labelSmoothing = labelSmoothing;
  r.clipNorm = clipNorm;
  r.augment = std::move(augment);
  return r;
}

/// [cnn]: the CNN expert's size and recipe.
struct CnnConfig {
  std::string channels = "24,48,96";  ///< output channels of the conv stages
  std::string hidden = "256,64";      ///< widths of the MLP head's hidden layers
  double dropout = 0.5;
  TrainRecipe recipe = makeRecipe(1e-4, 1e-4, 4, 100, 15, "plateau", 0.05, 1.0, "strong");
};

/// [vit]: the ViT expert's size and recipe.
struct VitConfig {
  int patch = 8;
  int dim = 128;
  int depth = 3;
  int heads = 4;
  double mlpRatio = 1.5;
  double dropout = 0.2;
  TrainRecipe recipe = makeRecipe(5e-5, 1e-3, 2, 80, 20, "cosine", 0.2, 1.0, "light");
};

/// [mamba]: the Mamba expert's size and recipe.
struct MambaConfig {
  int patch = 8;
  int dModel = 128;
  int depth = 3;
  int dState = 32;
  int dConv = 4;
  int expand = 2;
  double dropout = 0.2;
  std::string scan = "auto";  ///< selective scan: auto (parallel on CUDA and for sequences up to 256 tokens, else sequential), parallel or sequential
  TrainRecipe recipe = makeRecipe(1e-4, 1e-3, 4, 80, 20, "cosine", 0.2, 1.0, "light");
};

/// [swinunetr]: the SwinUNETR baseline backbone's size (its recipe is [baseline]'s).
struct SwinUnetrConfig {
  int featureSize = 48;
  int window = 7;
  std::string depths = "2,2,2,2";
  std::string heads = "3,6,12,24";
  std::string headPool = "decoder";  ///< decoder (GAP of the decoder output, reference) or bottleneck
};

/// [baseline]: the whole-lung baselines (region LUNG) and their shared recipe.
struct BaselineConfig {
  std::string architectures = "swinunetr,cnn,vit,mamba";  ///< comma-separated; empty = no baselines
  TrainRecipe recipe = makeRecipe(4e-4, 1e-5, 4, 50, 10, "none", 0.0, 0.0, "none");
};

/// [xgb]: the radiomics expert (XGBoost on the region's 107 features).
struct XgbConfig {
  int trees = 50;
  int maxDepth = 3;
  double eta = 0.1;
  int earlyStoppingRounds = 10;
  std::string trainOn = "train";  ///< train (the fold's training scans, early stopping on validation) or paper
                                  ///< (70 % of the validation half, scored on the other 30 %, as the reference)
};

/// [train]: stage 2, the grid of expert and baseline trainings (METHOD.md section 5).
struct TrainConfig {
  std::string experts = "cnn,vit,mamba,xgb";  ///< expert architectures of the grid
  std::string regions = "all7";               ///< a region set (all7, lobes, lungs) or comma-separated region names
  std::string folds;                          ///< comma-separated fold numbers; empty = every fold of the split
  std::string device = "auto";                ///< auto (CUDA when LibTorch has it), cpu or cuda
  std::string precision = "fp32";             ///< fp32 or bf16 (autocast)
  bool channelsLast = false;                  ///< channels-last-3d memory format for the networks
  int threads = 0;                            ///< intra-op threads; 0 = run.threads / the allocation
  int evalBatch = 8;                          ///< batch size for validation/test inference
  double cacheGb = 4.0;                       ///< scans kept in memory across epochs and tasks; beyond, stream each epoch
  int prefetch = 8;                           ///< scans decoded ahead by the shard reader
};

/// [gating] -- stage 3, the 11 gating strategies and their validation-only selection (METHOD.md section 6).
struct GatingConfig {
  std::string strategies = "all";                 ///< "all" or comma-separated strategy names
  std::string regionSets = "all7,lobes,lungs";    ///< region sets to gate; the first is the primary (T2, T3), the rest feed T4
  bool hierarchical = false;                      ///< lobes and lungs each carry half the mass (reference-code parity)
  bool crossArchitecture = true;                  ///< also gate all experts of every architecture together (arch "all")
  int innerFolds = 5;                             ///< inner cross-validation folds scoring the fitted strategies
  std::string softmaxTaus = "0.01,0.02,0.05,0.1,0.2";  ///< val_auc_softmax's candidate temperatures
  double learnedL2 = 0.01;                        ///< learned_softmax's lambda
  double stackingC = 1.0;                         ///< stacking_logistic's inverse L2 strength
  double gateL2 = 0.01;                           ///< radiomics_gate's lambda
  int gateDims = 32;                              ///< radiomics_gate: PCA dimensions (at most)
  double magnitudeEps = 0.01;                     ///< magnitude_based's epsilon
};

/// [reduce] -- the tables and their statistics (METHOD.md section 8).
struct ReduceConfig {
  int bootstrap = 2000;            ///< stratified bootstrap resamples for CIs without an analytic variance
  double level = 0.95;             ///< confidence level of every interval
  std::string reference = "swinunetr";  ///< the baseline REN is compared against first in T3
};

struct Config {
  RunConfig run;
  CohortConfig cohort;
  SynthConfig synth;
  SplitConfig split;
  PreprocessConfig preprocess;
  RadiomicsConfig radiomics;
  TrainConfig train;
  CnnConfig cnn;
  VitConfig vit;
  MambaConfig mamba;
  SwinUnetrConfig swinunetr;
  BaselineConfig baseline;
  XgbConfig xgb;
  GatingConfig gating;
  ReduceConfig reduce;
};

}  // namespace ren
