#pragma once
// The typed configuration of a run. A TOML file (plus `--set section.key=value` overrides) is
// parsed once into these structs by loadConfig() (ConfigSchema.h); every stage reads only these.
// Defaults here are the defaults of the framework; configs/*.toml override them.
#include <cstdint>
#include <string>

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

struct Config {
  RunConfig run;
  CohortConfig cohort;
  SynthConfig synth;
  SplitConfig split;
  PreprocessConfig preprocess;
  RadiomicsConfig radiomics;
};

}  // namespace ren
