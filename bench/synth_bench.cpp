// Synthetic cohort generation speed: scans/s for rendering + NIfTI writing at the demo size
// (configs/demo.toml: 96 x 96 in-plane, 2.5 mm) and at a larger 1.5 mm grid, on 1 and 2 threads.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "ren/core/Parallel.h"
#include "ren/synth/PatientAnatomy.h"
#include "ren/synth/ScanRenderer.h"
#include "ren/synth/ScannerProfile.h"
#include "ren/synth/SyntheticCohort.h"

namespace {

ren::SynthConfig cohortConfig(int size, double spacing, int patients) {
  ren::SynthConfig c;
  c.size = size;
  c.spacing = spacing;
  c.patients = patients;
  return c;
}

/// Rendering one scan (no I/O).
void BM_RenderScan(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const double spacing = 240.0 / size;
  const auto plans = ren::synth::planSyntheticCohort(cohortConfig(size, spacing, 4), 7);
  const auto anatomy = ren::synth::makePatientAnatomy(plans[0].anatomySeed);
  const auto scanner = ren::synth::makeScannerProfile(7, 0, spacing);
  std::int64_t voxels = 0;
  for (auto _ : state) {
    auto scan = ren::synth::renderScan(anatomy, plans[0].disease, scanner, plans[0].spec);
    voxels = static_cast<std::int64_t>(scan.ct.voxels.size());
    benchmark::DoNotOptimize(scan.ct.voxels.data());
  }
  state.counters["scans/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["Mvoxel/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * voxels) / 1e6, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RenderScan)->Arg(96)->Arg(160)->Unit(benchmark::kMillisecond)->UseRealTime();

/// The whole `ren synth` path: plan, render, write .nii.gz images and lobe maps, truth, cohort.csv.
void BM_WriteCohort(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const auto dir = std::filesystem::temp_directory_path() / ("ren_bench_synth_" + std::to_string(threads));
  auto config = cohortConfig(96, 2.5, 6);
  int scans = 0;
  std::uint64_t seed = 1;
  for (auto _ : state) {
    std::filesystem::remove_all(dir);
    const auto r = ren::synth::writeSyntheticCohort(dir, config, seed++, threads);
    scans += r.scans;
  }
  std::filesystem::remove_all(dir);
  state.counters["scans/s"] = benchmark::Counter(static_cast<double>(scans), benchmark::Counter::kIsRate);
  state.counters["threads"] = threads;
}
BENCHMARK(BM_WriteCohort)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(2);

}  // namespace

BENCHMARK_MAIN();
