#include "ren/core/ConfigSchema.h"

#include <toml++/toml.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <set>
#include <sstream>
#include <variant>

#include "ren/core/AtomicFile.h"
#include "ren/core/Csv.h"
#include "ren/core/Error.h"
#include "ren/core/LabelConvention.h"
#include "ren/core/Sha256.h"

namespace ren {
namespace fs = std::filesystem;

namespace {

using FieldRef = std::variant<std::string*, std::int64_t*, int*, double*, bool*>;

/// One configuration key: where it lives in Config, its documentation and its constraints.
struct Field {
  std::string section;
  std::string key;
  std::string doc;
  std::function<FieldRef(Config&)> ref;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::function<std::vector<std::string>()> choices;  // allowed string values (empty = free text)
  bool nonEmpty = false;

  std::string path() const { return section + "." + key; }
};

struct Section {
  std::string name;
  std::string doc;
};

const std::vector<Section>& sections() {
  static const std::vector<Section> s{
      {"run", "where the run lives, its seed and its resources"},
      {"cohort", "where the scans come from"},
      {"synth", "the built-in synthetic ILD cohort (ren synth)"},
      {"split", "the patient-level cross-validation split (METHOD.md section 4)"},
      {"preprocess", "stage 1: resampling, region masks, model-grid presets, HDF5 shards (METHOD.md section 2)"},
      {"radiomics", "stage 1b: the 107 PyRadiomics features per scan and region (METHOD.md section 3)"},
      {"train", "stage 2: the grid of regional experts and whole-lung baselines (METHOD.md section 5)"},
      {"cnn", "the CNN expert: size and training recipe"},
      {"vit", "the ViT expert: size and training recipe"},
      {"mamba", "the Mamba expert: size and training recipe"},
      {"swinunetr", "the SwinUNETR baseline backbone's size (trained with the [baseline] recipe)"},
      {"baseline", "the whole-lung baselines (region LUNG) and their training recipe"},
      {"xgb", "the radiomics expert: XGBoost on the region's 107 features"},
      {"gating", "stage 3: the 11 gating strategies and their validation-only selection (METHOD.md section 6)"},
      {"reduce", "the tables T1-T8 and their statistics (METHOD.md section 8)"},
  };
  return s;
}

std::vector<std::string> fixedChoices(std::initializer_list<const char*> values) {
  return {values.begin(), values.end()};
}

const std::vector<Field>& schema() {
  static const std::vector<Field> fields = [] {
    std::vector<Field> f;
    auto add = [&](const char* section, const char* key, const char* doc, std::function<FieldRef(Config&)> ref) -> Field& {
      Field field;
      field.section = section;
      field.key = key;
      field.doc = doc;
      field.ref = std::move(ref);
      f.push_back(std::move(field));
      return f.back();
    };
    // [run]
    add("run", "dir", "run directory (relative to the working directory)", [](Config& c) { return FieldRef(&c.run.dir); })
        .nonEmpty = true;
    add("run", "name", "run id printed in tables; empty = the run directory's name",
        [](Config& c) { return FieldRef(&c.run.name); });
    {
      Field& x = add("run", "seed", "run seed; every other seed derives from it", [](Config& c) { return FieldRef(&c.run.seed); });
      x.min = 0;
      x.max = 9007199254740992.0;  // 2^53: exactly representable everywhere
    }
    {
      Field& x = add("run", "threads",
                     "threads per process; 0 = the allocation (SLURM_CPUS_PER_TASK, OMP_NUM_THREADS) or all cores",
                     [](Config& c) { return FieldRef(&c.run.threads); });
      x.min = 0;
      x.max = 1024;
    }
    add("run", "log_level", "console and log-file verbosity", [](Config& c) { return FieldRef(&c.run.logLevel); })
        .choices = [] { return fixedChoices({"trace", "debug", "info", "warn", "error"}); };
    // [cohort]
    add("cohort", "source", "synthetic = generate the built-in cohort into RUN/cohort; table = read cohort.table",
        [](Config& c) { return FieldRef(&c.cohort.source); })
        .choices = [] { return fixedChoices({"synthetic", "table"}); };
    add("cohort", "table", "cohort CSV (scan_id,patient_id,label,image,lobes,site) when source = table",
        [](Config& c) { return FieldRef(&c.cohort.table); });
    add("cohort", "labels", "lobe label-map convention of the cohort (auto = detect and log)",
        [](Config& c) { return FieldRef(&c.cohort.labels); })
        .choices = [] {
          auto names = LabelConventionRegistry::instance().names();
          names.push_back("auto");
          names.push_back("custom");
          return names;
        };
    add("cohort", "lobe_labels", "labels = custom: label values of LUL,LLL,RUL,RML,RLL, e.g. \"21,22,23,24,25\"",
        [](Config& c) { return FieldRef(&c.cohort.lobeLabels); });
    // [synth]
    auto intRange = [](Field& x, double lo, double hi) {
      x.min = lo;
      x.max = hi;
    };
    intRange(add("synth", "patients", "number of patients", [](Config& c) { return FieldRef(&c.synth.patients); }), 2, 100000);
    intRange(add("synth", "max_scans_per_patient", "longitudinal scans per patient are drawn from 1..this",
                 [](Config& c) { return FieldRef(&c.synth.maxScansPerPatient); }),
             1, 10);
    intRange(add("synth", "size", "voxels per in-plane axis", [](Config& c) { return FieldRef(&c.synth.size); }), 16, 1024);
    intRange(add("synth", "spacing", "in-plane voxel size in mm", [](Config& c) { return FieldRef(&c.synth.spacing); }), 0.3,
             10.0);
    intRange(add("synth", "sites", "scanner sites (noise, kernel, slice thickness)", [](Config& c) { return FieldRef(&c.synth.sites); }),
             1, 8);
    intRange(add("synth", "prevalence", "fraction of patients with ILD", [](Config& c) { return FieldRef(&c.synth.prevalence); }),
             0.0, 1.0);
    intRange(add("synth", "converters", "fraction of ILD patients whose first scan is still label 0",
                 [](Config& c) { return FieldRef(&c.synth.converters); }),
             0.0, 1.0);
    intRange(add("synth", "confounders", "fraction of control patients with basal atelectasis or upper-lobe emphysema",
                 [](Config& c) { return FieldRef(&c.synth.confounders); }),
             0.0, 1.0);
    add("synth", "labels", "lobe label-map convention written", [](Config& c) { return FieldRef(&c.synth.labels); })
        .choices = [] { return fixedChoices({"lungmask", "totalseg-v2"}); };
    intRange(add("synth", "seed", "cohort seed; 0 = derived from run.seed", [](Config& c) { return FieldRef(&c.synth.seed); }), 0,
             9007199254740992.0);
    // [split]
    intRange(add("split", "folds", "number of patient-level folds", [](Config& c) { return FieldRef(&c.split.folds); }), 2, 50);
    add("split", "rotate_val_test", "also run each fold with val/test swapped (folds K..2K-1); doubles the grid",
        [](Config& c) { return FieldRef(&c.split.rotateValTest); });
    // [preprocess]
    add("preprocess", "preset", "model-grid preset: lung (window [-1000,400] HU, air background, crop to the lungs) "
        "or paper (reference parity: window [-175,250] HU, 0 HU background, whole field of view)",
        [](Config& c) { return FieldRef(&c.preprocess.preset); })
        .choices = [] { return fixedChoices({"lung", "paper"}); };
    intRange(add("preprocess", "grid", "model grid edge in voxels", [](Config& c) { return FieldRef(&c.preprocess.grid); }), 8,
             512);
    intRange(add("preprocess", "iso_spacing", "isotropic resampling in mm (radiomics and the model grid start here)",
                 [](Config& c) { return FieldRef(&c.preprocess.isoSpacing); }),
             0.25, 5.0);
    intRange(add("preprocess", "margin_mm", "lung preset: margin around the lung bounding box in mm",
                 [](Config& c) { return FieldRef(&c.preprocess.marginMm); }),
             0.0, 100.0);
    intRange(add("preprocess", "shard_scans", "scans per HDF5 shard", [](Config& c) { return FieldRef(&c.preprocess.shardScans); }),
             1, 4096);
    intRange(add("preprocess", "compression", "deflate level of the shards (0 = none)",
                 [](Config& c) { return FieldRef(&c.preprocess.compression); }),
             0, 9);
    intRange(add("preprocess", "geometry_tolerance", "image vs lobe map geometry tolerance, relative to the voxel size",
                 [](Config& c) { return FieldRef(&c.preprocess.geometryTolerance); }),
             0.0, 0.5);
    // [radiomics]
    intRange(add("radiomics", "bin_width", "fixed bin width in HU, edges counted from 0 (PyRadiomics binWidth)",
                 [](Config& c) { return FieldRef(&c.radiomics.binWidth); }),
             1e-3, 1e6);
    intRange(add("radiomics", "bin_count", "fixed number of bins instead of bin_width (binCount); 0 = use bin_width",
                 [](Config& c) { return FieldRef(&c.radiomics.binCount); }),
             0, 65535);
    intRange(add("radiomics", "voxel_array_shift", "HU added in Energy, TotalEnergy and RootMeanSquared (voxelArrayShift)",
                 [](Config& c) { return FieldRef(&c.radiomics.voxelArrayShift); }),
             -1e6, 1e6);
    add("radiomics", "distances", "Chebyshev distances of the texture neighbours, comma-separated, e.g. \"1\" or \"1,2\"",
        [](Config& c) { return FieldRef(&c.radiomics.distances); })
        .nonEmpty = true;
    add("radiomics", "weighting_norm", "GLCM/GLRLM angles: none = feature per angle then mean; otherwise matrices merged "
        "with weight exp(-d^2) under that norm, or 1 (no_weighting)",
        [](Config& c) { return FieldRef(&c.radiomics.weightingNorm); })
        .choices = [] { return fixedChoices({"none", "manhattan", "euclidean", "infinity", "no_weighting"}); };
    intRange(add("radiomics", "gldm_alpha", "GLDM: neighbours within this grey-level difference are dependent (gldm_a)",
                 [](Config& c) { return FieldRef(&c.radiomics.gldmAlpha); }),
             0, 65535);
    add("radiomics", "resegment_range", "\"lo,hi\" HU kept in every region before the features (empty = none)",
        [](Config& c) { return FieldRef(&c.radiomics.resegmentRange); });
    intRange(add("radiomics", "minimum_roi_dimensions", "regions spanning fewer axes (extent > 1 voxel) give NaN rows",
                 [](Config& c) { return FieldRef(&c.radiomics.minimumRoiDimensions); }),
             1, 3);
    intRange(add("radiomics", "minimum_roi_size", "regions with fewer voxels give NaN rows; 0 = no minimum",
                 [](Config& c) { return FieldRef(&c.radiomics.minimumRoiSize); }),
             0, 1e12);
    // [train]
    add("train", "experts", "expert architectures of the grid, comma-separated subset of (cnn, vit, mamba, xgb)",
        [](Config& c) { return FieldRef(&c.train.experts); });
    add("train", "regions", "regions of the grid: a region set or comma-separated names "
        "(all7, lobes, lungs, LUL, LLL, RUL, RML, RLL, LEFT, RIGHT)",
        [](Config& c) { return FieldRef(&c.train.regions); })
        .nonEmpty = true;
    add("train", "folds", "comma-separated fold numbers to train; empty = every fold of the split",
        [](Config& c) { return FieldRef(&c.train.folds); });
    add("train", "device", "where networks train: auto = CUDA when this LibTorch has it (auto, cpu, cuda)",
        [](Config& c) { return FieldRef(&c.train.device); })
        .choices = [] { return fixedChoices({"auto", "cpu", "cuda"}); };
    add("train", "precision", "fp32, or bf16 autocast on CPU and GPU (fp32, bf16)",
        [](Config& c) { return FieldRef(&c.train.precision); })
        .choices = [] { return fixedChoices({"fp32", "bf16"}); };
    add("train", "channels_last", "channels-last-3d memory format for the networks",
        [](Config& c) { return FieldRef(&c.train.channelsLast); });
    intRange(add("train", "threads", "intra-op threads of the trainer; 0 = run.threads (the allocation)",
                 [](Config& c) { return FieldRef(&c.train.threads); }),
             0, 1024);
    intRange(add("train", "eval_batch", "batch size of validation and test inference",
                 [](Config& c) { return FieldRef(&c.train.evalBatch); }),
             1, 4096);
    intRange(add("train", "cache_gb", "GiB of decoded scans kept in memory across epochs and tasks; more streams from the shards",
                 [](Config& c) { return FieldRef(&c.train.cacheGb); }),
             0.0, 4096.0);
    intRange(add("train", "prefetch", "scans decoded ahead by the shard reader",
                 [](Config& c) { return FieldRef(&c.train.prefetch); }),
             1, 1024);
    // The recipe keys of one section (METHOD.md section 5).
    auto addRecipe = [&](const char* section, std::function<TrainRecipe&(Config&)> recipe) {
      auto field = [recipe](auto member) {
        return [recipe, member](Config& c) { return FieldRef(&(recipe(c).*member)); };
      };
      intRange(add(section, "lr", "AdamW learning rate", field(&TrainRecipe::lr)), 1e-9, 10.0);
      intRange(add(section, "weight_decay", "AdamW decoupled weight decay", field(&TrainRecipe::weightDecay)), 0.0, 10.0);
      intRange(add(section, "batch", "training batch size", field(&TrainRecipe::batch)), 1, 4096);
      intRange(add(section, "epochs", "maximum epochs", field(&TrainRecipe::epochs)), 1, 100000);
      intRange(add(section, "patience", "early stopping: epochs without improvement of monitor", field(&TrainRecipe::patience)),
               1, 100000);
      add(section, "monitor", "best-epoch and early-stopping criterion (val_loss, val_auc)", field(&TrainRecipe::monitor))
          .choices = [] { return fixedChoices({"val_loss", "val_auc"}); };
      intRange(add(section, "min_delta", "smallest change of monitor that counts as an improvement", field(&TrainRecipe::minDelta)),
               0.0, 1.0);
      add(section, "scheduler", "learning-rate schedule: ReduceLROnPlateau on val AUC, cosine per epoch, or none "
          "(plateau, cosine, none)", field(&TrainRecipe::scheduler))
          .choices = [] { return fixedChoices({"plateau", "cosine", "none"}); };
      intRange(add(section, "plateau_factor", "plateau: learning-rate multiplier", field(&TrainRecipe::plateauFactor)), 0.01, 0.99);
      intRange(add(section, "plateau_patience", "plateau: epochs without val-AUC improvement before a reduction",
                   field(&TrainRecipe::plateauPatience)),
               0, 100000);
      intRange(add(section, "cosine_epochs", "cosine: T_max in epochs; 0 = the recipe's epochs", field(&TrainRecipe::cosineEpochs)),
               0, 100000);
      intRange(add(section, "min_lr", "cosine: eta_min; plateau: lowest learning rate", field(&TrainRecipe::minLr)), 0.0, 1.0);
      intRange(add(section, "label_smoothing", "cross-entropy label smoothing", field(&TrainRecipe::labelSmoothing)), 0.0, 0.99);
      intRange(add(section, "clip_norm", "gradient clipping at this L2 norm; 0 = off", field(&TrainRecipe::clipNorm)), 0.0, 1e6);
      add(section, "class_weights", "class-weighted cross-entropy with weights from the training split",
          field(&TrainRecipe::classWeights));
      add(section, "augment", "training augmentation: rotation, noise, small affine; masks nearest-neighbour "
          "(strong, light, none)", field(&TrainRecipe::augment))
          .choices = [] { return fixedChoices({"strong", "light", "none"}); };
    };
    // [cnn]
    add("cnn", "channels", "output channels of the conv stages, comma-separated, e.g. \"24,48,96\"",
        [](Config& c) { return FieldRef(&c.cnn.channels); })
        .nonEmpty = true;
    add("cnn", "hidden", "hidden widths of the MLP head, comma-separated, e.g. \"256,64\"",
        [](Config& c) { return FieldRef(&c.cnn.hidden); })
        .nonEmpty = true;
    intRange(add("cnn", "dropout", "dropout probability", [](Config& c) { return FieldRef(&c.cnn.dropout); }), 0.0, 0.95);
    addRecipe("cnn", [](Config& c) -> TrainRecipe& { return c.cnn.recipe; });
    // [vit]
    intRange(add("vit", "patch", "patch edge in voxels", [](Config& c) { return FieldRef(&c.vit.patch); }), 1, 512);
    intRange(add("vit", "dim", "token dimension", [](Config& c) { return FieldRef(&c.vit.dim); }), 1, 8192);
    intRange(add("vit", "depth", "transformer blocks", [](Config& c) { return FieldRef(&c.vit.depth); }), 1, 256);
    intRange(add("vit", "heads", "attention heads (must divide dim)", [](Config& c) { return FieldRef(&c.vit.heads); }), 1, 256);
    intRange(add("vit", "mlp_ratio", "MLP hidden width / dim", [](Config& c) { return FieldRef(&c.vit.mlpRatio); }), 0.1, 16.0);
    intRange(add("vit", "dropout", "dropout probability", [](Config& c) { return FieldRef(&c.vit.dropout); }), 0.0, 0.95);
    addRecipe("vit", [](Config& c) -> TrainRecipe& { return c.vit.recipe; });
    // [mamba]
    intRange(add("mamba", "patch", "patch edge in voxels", [](Config& c) { return FieldRef(&c.mamba.patch); }), 1, 512);
    intRange(add("mamba", "d_model", "token dimension", [](Config& c) { return FieldRef(&c.mamba.dModel); }), 1, 8192);
    intRange(add("mamba", "depth", "residual Mamba blocks", [](Config& c) { return FieldRef(&c.mamba.depth); }), 1, 256);
    intRange(add("mamba", "d_state", "SSM state size N", [](Config& c) { return FieldRef(&c.mamba.dState); }), 1, 1024);
    intRange(add("mamba", "d_conv", "causal depthwise convolution width", [](Config& c) { return FieldRef(&c.mamba.dConv); }),
             1, 64);
    intRange(add("mamba", "expand", "inner width / d_model", [](Config& c) { return FieldRef(&c.mamba.expand); }), 1, 16);
    intRange(add("mamba", "dropout", "dropout probability", [](Config& c) { return FieldRef(&c.mamba.dropout); }), 0.0, 0.95);
    add("mamba", "scan", "selective scan: auto = the parallel associative scan on a GPU or for up to 256 tokens, else the sequential one "
        "(less memory traffic); both agree to rounding (auto, parallel, sequential)",
        [](Config& c) { return FieldRef(&c.mamba.scan); })
        .choices = [] { return fixedChoices({"auto", "parallel", "sequential"}); };
    addRecipe("mamba", [](Config& c) -> TrainRecipe& { return c.mamba.recipe; });
    // [swinunetr]
    intRange(add("swinunetr", "feature_size", "channels of the first stage (a multiple of 12)",
                 [](Config& c) { return FieldRef(&c.swinunetr.featureSize); }),
             12, 480);
    intRange(add("swinunetr", "window", "attention window edge", [](Config& c) { return FieldRef(&c.swinunetr.window); }), 1, 32);
    add("swinunetr", "depths", "Swin blocks per stage, four comma-separated integers, e.g. \"2,2,2,2\"",
        [](Config& c) { return FieldRef(&c.swinunetr.depths); })
        .nonEmpty = true;
    add("swinunetr", "heads", "attention heads per stage, four comma-separated integers, e.g. \"3,6,12,24\"",
        [](Config& c) { return FieldRef(&c.swinunetr.heads); })
        .nonEmpty = true;
    add("swinunetr", "head_pool", "classification head input: global average pool of the decoder output (reference) or "
        "of the bottleneck (decoder, bottleneck)",
        [](Config& c) { return FieldRef(&c.swinunetr.headPool); })
        .choices = [] { return fixedChoices({"decoder", "bottleneck"}); };
    // [baseline]
    add("baseline", "architectures", "whole-lung baselines, comma-separated subset of (swinunetr, cnn, vit, mamba); "
        "empty = none",
        [](Config& c) { return FieldRef(&c.baseline.architectures); });
    addRecipe("baseline", [](Config& c) -> TrainRecipe& { return c.baseline.recipe; });
    // [xgb]
    intRange(add("xgb", "trees", "boosting rounds", [](Config& c) { return FieldRef(&c.xgb.trees); }), 1, 100000);
    intRange(add("xgb", "max_depth", "tree depth", [](Config& c) { return FieldRef(&c.xgb.maxDepth); }), 1, 64);
    intRange(add("xgb", "eta", "learning rate", [](Config& c) { return FieldRef(&c.xgb.eta); }), 1e-6, 1.0);
    intRange(add("xgb", "early_stopping_rounds", "stop after this many rounds without a better validation logloss; 0 = off",
                 [](Config& c) { return FieldRef(&c.xgb.earlyStoppingRounds); }),
             0, 100000);
    add("xgb", "train_on", "train = the fold's training scans with early stopping on validation; paper = 70 % of the "
        "validation half, as the reference code (train, paper)",
        [](Config& c) { return FieldRef(&c.xgb.trainOn); })
        .choices = [] { return fixedChoices({"train", "paper"}); };
    // [gating]
    add("gating", "strategies", "\"all\" or a comma-separated subset of the registered strategies, checked by the gate stage (see "
        "docs/GATING.md)",
        [](Config& c) { return FieldRef(&c.gating.strategies); })
        .nonEmpty = true;
    add("gating", "region_sets", "region sets to gate, comma-separated; the first is the primary one (T2, T3), the "
        "others feed the region-set ablation T4; grid = the regions of train.regions (all7, lobes, lungs, grid)",
        [](Config& c) { return FieldRef(&c.gating.regionSets); })
        .nonEmpty = true;
    add("gating", "hierarchical", "lobe weights renormalised among lobes and lung weights among lungs, each group "
        "carrying half the mass (reference-code parity)",
        [](Config& c) { return FieldRef(&c.gating.hierarchical); });
    add("gating", "cross_architecture", "also gate the experts of every architecture together (architecture \"all\", "
        "7 x experts)",
        [](Config& c) { return FieldRef(&c.gating.crossArchitecture); });
    intRange(add("gating", "inner_folds", "inner cross-validation folds (over validation patients) scoring the fitted "
                 "strategies",
                 [](Config& c) { return FieldRef(&c.gating.innerFolds); }),
             2, 100);
    add("gating", "softmax_taus", "val_auc_softmax: candidate temperatures, comma-separated positive numbers",
        [](Config& c) { return FieldRef(&c.gating.softmaxTaus); })
        .nonEmpty = true;
    intRange(add("gating", "learned_l2", "learned_softmax: lambda of lambda * ||theta||^2",
                 [](Config& c) { return FieldRef(&c.gating.learnedL2); }),
             0.0, 1e6);
    intRange(add("gating", "stacking_c", "stacking_logistic: inverse L2 strength (scikit-learn's C)",
                 [](Config& c) { return FieldRef(&c.gating.stackingC); }),
             1e-9, 1e12);
    intRange(add("gating", "gate_l2", "radiomics_gate: lambda of lambda * ||W||^2",
                 [](Config& c) { return FieldRef(&c.gating.gateL2); }),
             0.0, 1e6);
    intRange(add("gating", "gate_dims", "radiomics_gate: PCA dimensions of the radiomics input (at most)",
                 [](Config& c) { return FieldRef(&c.gating.gateDims); }),
             1, 1024);
    intRange(add("gating", "magnitude_eps", "magnitude_based: epsilon added to every region's mean |z|",
                 [](Config& c) { return FieldRef(&c.gating.magnitudeEps); }),
             0.0, 1e6);
    // [reduce]
    intRange(add("reduce", "bootstrap", "stratified bootstrap resamples for confidence intervals without an analytic "
                 "variance",
                 [](Config& c) { return FieldRef(&c.reduce.bootstrap); }),
             100, 1000000);
    intRange(add("reduce", "level", "confidence level of every interval",
                 [](Config& c) { return FieldRef(&c.reduce.level); }),
             0.5, 0.999);
    add("reduce", "reference", "the whole-lung baseline REN is compared against in T3 (swinunetr, cnn, vit, mamba)",
        [](Config& c) { return FieldRef(&c.reduce.reference); })
        .choices = [] { return fixedChoices({"swinunetr", "cnn", "vit", "mamba"}); };
    return f;
  }();
  return fields;
}

const Field* findField(const std::string& section, const std::string& key) {
  for (const Field& f : schema())
    if (f.section == section && f.key == key) return &f;
  return nullptr;
}

bool isSection(const std::string& name) {
  for (const auto& s : sections())
    if (s.name == name) return true;
  return false;
}

std::string joinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string keysOf(const std::string& section) {
  std::vector<std::string> keys;
  for (const Field& f : schema())
    if (f.section == section) keys.push_back(f.key);
  return joinList(keys);
}

std::string sectionNames() {
  std::vector<std::string> names;
  for (const auto& s : sections()) names.push_back(s.name);
  return joinList(names);
}

std::string typeName(const FieldRef& ref) {
  struct V {
    std::string operator()(std::string*) const { return "a string"; }
    std::string operator()(std::int64_t*) const { return "an integer"; }
    std::string operator()(int*) const { return "an integer"; }
    std::string operator()(double*) const { return "a number"; }
    std::string operator()(bool*) const { return "a boolean (true or false)"; }
  };
  return std::visit(V{}, ref);
}

std::string formatNumber(double v) {
  if (std::fabs(v) < 1e15 && v == std::floor(v)) return std::to_string(static_cast<long long>(v));
  return formatDouble(v);
}

std::string rangeText(const Field& f) {
  const bool hasMin = std::isfinite(f.min), hasMax = std::isfinite(f.max);
  if (hasMin && hasMax) return "between " + formatNumber(f.min) + " and " + formatNumber(f.max);
  if (hasMin) return "at least " + formatNumber(f.min);
  if (hasMax) return "at most " + formatNumber(f.max);
  return "";
}

std::string tomlString(const std::string& s) {
  std::ostringstream o;
  o << toml::value<std::string>(s);
  return o.str();
}

[[noreturn]] void badValue(const Field& f, const std::string& shown, const std::string& origin, const std::string& why) {
  throw ConfigError(origin + ": " + f.path() + " = " + shown + ": " + why);
}

void checkRange(const Field& f, double v, const std::string& shown, const std::string& origin) {
  if (v < f.min || v > f.max) badValue(f, shown, origin, "must be " + rangeText(f));
}

/// "file:line" of a node read from a file (so errors in an `extends` base name the base), else `fallback`.
std::string originOf(const toml::node& node, const std::string& fallback) {
  const auto& src = node.source();
  if (!src.path || src.path->empty()) return fallback;
  return *src.path + ":" + std::to_string(src.begin.line);
}

/// Assigns a TOML node to a field, checking type and constraints.
void assign(const Field& f, Config& config, const toml::node& node, const std::string& fallbackOrigin) {
  const std::string origin = originOf(node, fallbackOrigin);
  std::ostringstream shownStream;
  node.visit([&](const auto& n) { shownStream << n; });
  const std::string shown = shownStream.str();
  const FieldRef ref = f.ref(config);
  const std::string expected = "expected " + typeName(ref);
  if (auto* s = std::get_if<std::string*>(&ref)) {
    auto v = node.value_exact<std::string>();
    if (!v) badValue(f, shown, origin, expected);
    if (f.nonEmpty && v->empty()) badValue(f, shown, origin, "must not be empty");
    if (f.choices) {
      auto allowed = f.choices();
      bool ok = false;
      for (const auto& a : allowed) ok = ok || a == *v;
      if (!ok) badValue(f, shown, origin, "allowed values are " + joinList(allowed));
    }
    **s = *v;
  } else if (auto* b = std::get_if<bool*>(&ref)) {
    auto v = node.value_exact<bool>();
    if (!v) badValue(f, shown, origin, expected);
    **b = *v;
  } else if (auto* d = std::get_if<double*>(&ref)) {
    std::optional<double> v;
    if (node.is_floating_point()) v = node.value_exact<double>();
    if (node.is_integer()) v = static_cast<double>(*node.value_exact<std::int64_t>());
    if (!v) badValue(f, shown, origin, expected);
    if (!std::isfinite(*v)) badValue(f, shown, origin, "must be a finite number");
    checkRange(f, *v, shown, origin);
    **d = *v;
  } else {
    auto v = node.value_exact<std::int64_t>();
    if (!v) badValue(f, shown, origin, expected);
    // Compare as integers: bounds up to 2^53 are exact in int64, values near them may not be in double.
    if ((std::isfinite(f.min) && *v < static_cast<std::int64_t>(f.min)) ||
        (std::isfinite(f.max) && *v > static_cast<std::int64_t>(f.max)))
      badValue(f, shown, origin, "must be " + rangeText(f));
    if (auto* i = std::get_if<int*>(&ref)) **i = static_cast<int>(*v);
    if (auto* i64 = std::get_if<std::int64_t*>(&ref)) **i64 = *v;
  }
}

/// Parses the text of an override into a TOML node of the field's type.
void assignText(const Field& f, Config& config, const std::string& text, const std::string& origin) {
  const FieldRef ref = f.ref(config);
  if (std::holds_alternative<std::string*>(ref)) {
    // Strings are taken literally unless written as a quoted TOML string.
    std::string value = text;
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      try {
        auto t = toml::parse("v = " + value);
        if (auto s = t["v"].value<std::string>()) value = *s;
      } catch (const toml::parse_error&) {
      }
    }
    assign(f, config, toml::value<std::string>(value), origin);
    return;
  }
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + text);
  } catch (const toml::parse_error&) {
    badValue(f, text, origin, "expected " + typeName(ref));
  }
  assign(f, config, *parsed.get("v"), origin);
}

toml::table parseTomlFile(const fs::path& file, int depth) {
  if (depth > 8) throw ConfigError(file.string() + ": 'extends' chain is deeper than 8 files (a cycle?)");
  if (!fs::exists(file)) throw ConfigError("config file '" + file.string() + "' does not exist");
  std::string text;
  try {
    text = readFile(file);
  } catch (const InputError& e) {
    throw ConfigError(e.what());
  }
  toml::table table;
  try {
    table = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << file.string() << ":" << e.source().begin.line << ":" << e.source().begin.column << ": invalid TOML: "
        << e.description();
    throw ConfigError(msg.str());
  }
  if (auto* base = table.get("extends")) {
    auto basePath = base->value<std::string>();
    if (!basePath) throw ConfigError(file.string() + ": extends must be a string (a path to another config)");
    fs::path resolved = fs::path(*basePath).is_absolute() ? fs::path(*basePath) : file.parent_path() / *basePath;
    if (!fs::exists(resolved))
      throw ConfigError(file.string() + ": extends = \"" + *basePath + "\": config file '" + resolved.string() +
                        "' does not exist");
    toml::table merged = parseTomlFile(resolved, depth + 1);
    table.erase("extends");
    // Deep merge: sections of this file override the base key by key.
    // Nodes are moved, not copied, so they keep their source file and line for error messages.
    for (auto&& [k, v] : table) {
      if (auto* sub = v.as_table(); sub && merged.get(k) && merged.get(k)->is_table()) {
        for (auto&& [sk, sv] : *sub) merged.get(k)->as_table()->insert_or_assign(sk, std::move(sv));
      } else {
        merged.insert_or_assign(k, std::move(v));
      }
    }
    return merged;
  }
  return table;
}

Config bindTable(const toml::table& table, const std::string& origin, const std::vector<ConfigOverride>& overrides) {
  Config config;
  for (auto&& [sectionKey, node] : table) {
    const std::string section(sectionKey.str());
    if (!isSection(section))
      throw ConfigError(originOf(node, origin) + ": unknown section [" + section + "]; allowed sections are " + sectionNames());
    const toml::table* sub = node.as_table();
    if (!sub) throw ConfigError(origin + ": " + section + " must be a table ([" + section + "])");
    for (auto&& [key, value] : *sub) {
      const std::string k(key.str());
      const Field* f = findField(section, k);
      if (!f)
        throw ConfigError(originOf(value, origin) + ": unknown key " + section + "." + k + "; allowed keys in [" + section +
                          "] are " + keysOf(section));
      assign(*f, config, value, origin);
    }
  }
  for (const ConfigOverride& o : overrides) {
    const auto dot = o.key.find('.');
    const std::string section = o.key.substr(0, dot), key = o.key.substr(dot + 1);
    if (!isSection(section))
      throw ConfigError("--set " + o.key + ": unknown section '" + section + "'; allowed sections are " + sectionNames());
    const Field* f = findField(section, key);
    if (!f)
      throw ConfigError("--set " + o.key + ": unknown key; allowed keys in [" + section + "] are " + keysOf(section));
    assignText(*f, config, o.value, "--set");
  }
  validateConfig(config);
  return config;
}

std::string formatValue(const FieldRef& ref) {
  struct V {
    std::string operator()(std::string* s) const { return tomlString(*s); }
    std::string operator()(std::int64_t* i) const { return std::to_string(*i); }
    std::string operator()(int* i) const { return std::to_string(*i); }
    std::string operator()(double* d) const {
      std::string s = formatDouble(*d);
      if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
      return s;
    }
    std::string operator()(bool* b) const { return *b ? "true" : "false"; }
  };
  return std::visit(V{}, ref);
}

std::string formatSections(const Config& config, const std::vector<std::string>& wanted, bool withDocs) {
  Config copy = config;  // refs need a mutable object; printing never changes it
  std::ostringstream out;
  bool first = true;
  for (const Section& s : sections()) {
    bool include = wanted.empty();
    for (const auto& w : wanted) include = include || w == s.name;
    if (!include) continue;
    if (!first) out << "\n";
    first = false;
    if (withDocs) out << "# " << s.doc << "\n";
    out << "[" << s.name << "]\n";
    for (const Field& f : schema()) {
      if (f.section != s.name) continue;
      if (withDocs) {
        out << "# " << f.doc;
        if (f.choices) out << " (" << joinList(f.choices()) << ")";
        const std::string range = rangeText(f);
        if (!range.empty()) out << " (" << range << ")";
        out << "\n";
      }
      out << f.key << " = " << formatValue(f.ref(copy)) << "\n";
    }
  }
  return out.str();
}

}  // namespace

ConfigOverride parseOverride(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set '" + text + "': expected section.key=value (e.g. run.dir=runs/test)");
  ConfigOverride o{text.substr(0, eq), text.substr(eq + 1)};
  const auto dot = o.key.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == o.key.size())
    throw ConfigError("--set '" + text + "': the key must be section.key (e.g. synth.patients=20)");
  return o;
}

Config parseConfigText(const std::string& text, const std::string& origin, const std::vector<ConfigOverride>& overrides) {
  toml::table table;
  try {
    table = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << origin << ":" << e.source().begin.line << ":" << e.source().begin.column << ": invalid TOML: " << e.description();
    throw ConfigError(msg.str());
  }
  if (table.contains("extends")) throw ConfigError(origin + ": extends is only allowed in config files");
  return bindTable(table, origin, overrides);
}

Config loadConfig(const fs::path& file, const std::vector<ConfigOverride>& overrides) {
  if (file.empty()) return bindTable(toml::table{}, "defaults", overrides);
  return bindTable(parseTomlFile(file, 0), file.string(), overrides);
}

std::vector<std::string> configList(const std::string& text) {
  std::vector<std::string> out;
  if (trimView(text).empty()) return out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) out.emplace_back(trimView(item));
  return out;
}

std::vector<std::int64_t> configIntList(const std::string& text, const std::string& key, std::int64_t lo, std::int64_t hi) {
  std::vector<std::int64_t> out;
  for (const std::string& item : configList(text)) {
    const auto v = parseInt(item);
    if (!v || *v < lo || *v > hi)
      throw ConfigError(key + " = \"" + text + "\": expected comma-separated integers in " + std::to_string(lo) + ".." +
                        std::to_string(hi));
    out.push_back(*v);
  }
  if (out.empty()) throw ConfigError(key + " must list at least one integer");
  return out;
}

namespace {
/// Checks that every item of a comma-separated value is one of `allowed` and none repeats.
void checkSubset(const std::string& key, const std::string& text, const std::vector<std::string>& allowed, bool allowEmpty) {
  const auto items = configList(text);
  if (items.empty() && !allowEmpty) throw ConfigError(key + " must not be empty; allowed values are " + joinList(allowed));
  std::set<std::string> seen;
  for (const auto& item : items) {
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == item;
    if (!ok)
      throw ConfigError(key + " = \"" + text + "\": '" + item + "' is not allowed; allowed values are " + joinList(allowed));
    if (!seen.insert(item).second) throw ConfigError(key + " = \"" + text + "\": '" + item + "' is listed twice");
  }
}
}  // namespace

void validateConfig(const Config& c) {
  checkSubset("train.experts", c.train.experts, {"cnn", "vit", "mamba", "xgb"}, true);
  checkSubset("baseline.architectures", c.baseline.architectures, {"swinunetr", "cnn", "vit", "mamba"}, true);
  {
    const auto names = configList(c.train.regions);
    const bool isSet = names.size() == 1 && (names[0] == "all7" || names[0] == "lobes" || names[0] == "lungs");
    if (!isSet) checkSubset("train.regions", c.train.regions, {"LUL", "LLL", "RUL", "RML", "RLL", "LEFT", "RIGHT"}, false);
  }
  if (!trimView(c.train.folds).empty()) {
    const int folds = c.split.folds * (c.split.rotateValTest ? 2 : 1);
    configIntList(c.train.folds, "train.folds", 0, folds - 1);
  }
  checkSubset("gating.region_sets", c.gating.regionSets, {"all7", "lobes", "lungs", "grid"}, false);
  // gating.strategies is checked against the strategy registry by the gate stage (one list of names).
  for (const auto& item : configList(c.gating.softmaxTaus)) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (end == item.c_str() || *end != '\0' || !(v > 0))
      throw ConfigError("gating.softmax_taus = \"" + c.gating.softmaxTaus + "\": '" + item +
                        "' is not a positive number; expected e.g. \"0.01,0.02,0.05,0.1,0.2\"");
  }
  configIntList(c.cnn.channels, "cnn.channels", 1, 65536);
  configIntList(c.cnn.hidden, "cnn.hidden", 1, 1 << 24);
  {
    const auto depths = configIntList(c.swinunetr.depths, "swinunetr.depths", 1, 64);
    const auto heads = configIntList(c.swinunetr.heads, "swinunetr.heads", 1, 1024);
    if (depths.size() != 4 || heads.size() != 4)
      throw ConfigError("swinunetr.depths = \"" + c.swinunetr.depths + "\" and swinunetr.heads = \"" + c.swinunetr.heads +
                        "\": SwinUNETR has 4 stages; give 4 values each");
  }
  if (c.cohort.labels == "custom") {
    int count = 0;
    std::string item;
    std::istringstream in(c.cohort.lobeLabels);
    while (std::getline(in, item, ',')) {
      const auto v = parseInt(item);
      if (!v || *v <= 0 || *v > 65535)
        throw ConfigError("cohort.lobe_labels = \"" + c.cohort.lobeLabels +
                          "\": expected five positive label values for LUL,LLL,RUL,RML,RLL, e.g. \"21,22,23,24,25\"");
      ++count;
    }
    if (count != 5)
      throw ConfigError("cohort.lobe_labels = \"" + c.cohort.lobeLabels + "\": needs exactly five values (LUL,LLL,RUL,RML,RLL) "
                        "when cohort.labels = \"custom\"");
  }
  {
    std::istringstream in(c.radiomics.distances);
    std::string item;
    int count = 0;
    while (std::getline(in, item, ',')) {
      const auto v = parseInt(item);
      if (!v || *v < 1 || *v > 16)
        throw ConfigError("radiomics.distances = \"" + c.radiomics.distances +
                          "\": expected comma-separated integers in 1..16, e.g. \"1\" or \"1,2\"");
      ++count;
    }
    if (count == 0) throw ConfigError("radiomics.distances must list at least one distance, e.g. \"1\"");
  }
  if (!c.radiomics.resegmentRange.empty()) {
    std::istringstream in(c.radiomics.resegmentRange);
    std::string lo, hi, extra;
    std::getline(in, lo, ',');
    std::getline(in, hi, ',');
    const auto a = parseDouble(lo), b = parseDouble(hi);
    if (!a || !b || std::getline(in, extra, ',') || !(*a <= *b))
      throw ConfigError("radiomics.resegment_range = \"" + c.radiomics.resegmentRange +
                        "\": expected \"lo,hi\" in HU with lo <= hi, e.g. \"-1000,400\", or empty");
  }
  if (c.cohort.source == "table" && c.cohort.table.empty())
    throw ConfigError("cohort.table must name the cohort CSV when cohort.source = \"table\"");
  if (c.cohort.source == "synthetic" && c.cohort.labels != "auto" && c.cohort.labels != c.synth.labels)
    throw ConfigError("cohort.labels = \"" + c.cohort.labels + "\" contradicts synth.labels = \"" + c.synth.labels +
                      "\" for a synthetic cohort: use the same convention or auto");
}

std::string formatConfig(const Config& config, bool withDocs) { return formatSections(config, {}, withDocs); }

std::string configHash(const Config& config) { return sha256Hex(formatConfig(config, false)); }

std::string sectionsHash(const Config& config, const std::vector<std::string>& wanted) {
  for (const auto& w : wanted)
    if (!isSection(w)) throw ConfigError("internal: unknown config section '" + w + "' in a stage fingerprint");
  return sha256Hex(formatSections(config, wanted, false));
}

std::vector<std::string> configSections() {
  std::vector<std::string> out;
  for (const auto& s : sections()) out.push_back(s.name);
  return out;
}

}  // namespace ren

namespace ren {
std::string tomlLibraryVersion() {
  return std::to_string(TOML_LIB_MAJOR) + "." + std::to_string(TOML_LIB_MINOR) + "." + std::to_string(TOML_LIB_PATCH);
}
}  // namespace ren
