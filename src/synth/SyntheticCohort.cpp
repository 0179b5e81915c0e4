#include "ren/synth/SyntheticCohort.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "ren/core/AtomicFile.h"
#include "ren/core/CohortTable.h"
#include "ren/core/Error.h"
#include "ren/core/LabelConvention.h"
#include "ren/core/Parallel.h"
#include "ren/core/Random.h"
#include "ren/core/Regions.h"
#include "ren/io/NiftiImage.h"
#include "ren/synth/PatientAnatomy.h"
#include "ren/synth/ScannerProfile.h"

namespace ren::synth {
namespace fs = std::filesystem;

namespace {

constexpr int kFormatVersion = 1;

std::string patientName(int p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "P%04d", p);
  return buf;
}

/// Scan count from 1..max with weights k^1.5 (mean 3.19 for max 4, like the paper's 1,898 / 597).
int drawScanCount(Rng& rng, int maxScans) {
  double total = 0.0;
  for (int k = 1; k <= maxScans; ++k) total += std::pow(k, 1.5);
  double u = rng.uniform() * total;
  for (int k = 1; k <= maxScans; ++k) {
    u -= std::pow(k, 1.5);
    if (u < 0.0) return k;
  }
  return maxScans;
}

nlohmann::json generatorRecord(const SynthConfig& c, std::uint64_t seed) {
  return {{"format_version", kFormatVersion},
          {"seed", seed},
          {"patients", c.patients},
          {"max_scans_per_patient", c.maxScansPerPatient},
          {"size", c.size},
          {"spacing_mm", c.spacing},
          {"sites", c.sites},
          {"prevalence", c.prevalence},
          {"converters", c.converters},
          {"confounders", c.confounders},
          {"labels", c.labels}};
}

nlohmann::json truthRecord(const ScanPlan& plan, const RenderedScan& scan) {
  nlohmann::json lobes = nlohmann::json::object();
  std::array<LobeTruth, kRegionCount> regions{};
  for (const Region& r : kRegions)
    for (int l = 1; l <= kLobeCount; ++l)
      if (r.contains(l)) {
        const LobeTruth& t = scan.truth[static_cast<std::size_t>(l - 1)];
        LobeTruth& acc = regions[static_cast<std::size_t>(r.index)];
        acc.voxels += t.voxels;
        acc.groundGlass += t.groundGlass;
        acc.reticulation += t.reticulation;
        acc.honeycombing += t.honeycombing;
        acc.affected += t.affected;
        acc.confounder += t.confounder;
      }
  for (const Region& r : kRegions) {
    const LobeTruth& t = regions[static_cast<std::size_t>(r.index)];
    const double n = t.voxels > 0 ? static_cast<double>(t.voxels) : 1.0;
    lobes[std::string(r.name)] = {{"voxels", t.voxels},
                                  {"burden", static_cast<double>(t.affected) / n},
                                  {"ground_glass", static_cast<double>(t.groundGlass) / n},
                                  {"reticulation", static_cast<double>(t.reticulation) / n},
                                  {"honeycombing", static_cast<double>(t.honeycombing) / n},
                                  {"confounder", static_cast<double>(t.confounder) / n}};
  }
  return {{"scan_id", plan.scanId},
          {"patient_id", plan.patientId},
          {"timepoint", plan.timepoint},
          {"label", plan.label},
          {"severity", plan.disease.severity},
          {"confounder", confounderName(plan.disease.confounder)},
          {"site", plan.site},
          {"regions", lobes}};
}

}  // namespace

std::vector<ScanPlan> planSyntheticCohort(const SynthConfig& c, std::uint64_t seed) {
  Rng cohortRng(deriveSeed(seed, "cohort"));
  // Exactly round(prevalence * N) ILD patients, chosen by a seeded shuffle.
  std::vector<int> order(static_cast<std::size_t>(c.patients));
  for (int p = 0; p < c.patients; ++p) order[static_cast<std::size_t>(p)] = p;
  cohortRng.shuffle(order);
  const auto ildCount = static_cast<std::size_t>(std::lround(c.prevalence * c.patients));
  std::vector<bool> ild(static_cast<std::size_t>(c.patients), false);
  for (std::size_t i = 0; i < ildCount; ++i) ild[static_cast<std::size_t>(order[i])] = true;

  std::vector<ScanPlan> plans;
  for (int p = 0; p < c.patients; ++p) {
    Rng rng(deriveSeed(seed, {0x9A7u, static_cast<std::uint64_t>(p)}));
    const std::string patient = patientName(p + 1);
    const int scans = drawScanCount(rng, c.maxScansPerPatient);
    const int site = static_cast<int>(rng.below(static_cast<std::uint64_t>(c.sites)));
    const std::uint64_t anatomySeed = rng.next();
    const std::uint64_t patternSeed = rng.next();
    const double ggoAmplitude = rng.uniform(200.0, 400.0);
    const double bodyScale = rng.uniform(0.93, 1.0);
    const bool hasIld = ild[static_cast<std::size_t>(p)];
    const bool converter = hasIld && scans >= 2 && rng.bernoulli(c.converters);
    Confounder confounder = Confounder::None;
    if (!hasIld && rng.bernoulli(c.confounders)) confounder = rng.bernoulli(0.5) ? Confounder::Atelectasis : Confounder::Emphysema;
    double severity = hasIld ? rng.uniform(0.3, 0.8) : 0.0;
    for (int t = 0; t < scans; ++t) {
      ScanPlan plan;
      plan.patientId = patient;
      plan.scanId = patient + "-T" + std::to_string(t + 1);
      plan.timepoint = t;
      plan.site = site;
      plan.anatomySeed = anatomySeed;
      plan.disease.patternSeed = patternSeed;
      plan.disease.ggoAmplitude = ggoAmplitude;
      plan.disease.confounder = confounder;
      if (converter && t == 0) {
        plan.disease.severity = rng.uniform(0.06, 0.14);  // subclinical: still label 0
        plan.label = 0;
      } else if (hasIld) {
        if (t > 0) severity = std::min(1.2, severity + rng.uniform(0.03, 0.15));
        plan.disease.severity = severity;
        plan.label = 1;
      }
      plan.spec.size = c.size;
      plan.spec.spacingMm = c.spacing;
      plan.spec.shift = {rng.normal(0.0, 0.012), rng.normal(0.0, 0.012), rng.normal(0.0, 0.012)};
      plan.spec.scale = bodyScale * rng.uniform(0.985, 1.015);
      plan.spec.noiseSeed = rng.next();
      plans.push_back(plan);
    }
  }
  return plans;
}

SyntheticCohortResult writeSyntheticCohort(const fs::path& outDir, const SynthConfig& c, std::uint64_t seed, int threads,
                                           const std::string& configHash) {
  const auto start = std::chrono::steady_clock::now();
  const nlohmann::json generator = generatorRecord(c, seed);
  const fs::path csvPath = outDir / "cohort.csv", truthPath = outDir / "truth.json";
  const std::vector<ScanPlan> plans = planSyntheticCohort(c, seed);
  SyntheticCohortResult result;
  result.patients = c.patients;
  result.scans = static_cast<int>(plans.size());

  if (fs::exists(csvPath) && fs::exists(truthPath)) {
    try {
      const auto existing = nlohmann::json::parse(readFile(truthPath));
      if (existing.value("generator", nlohmann::json()) == generator) {
        spdlog::info("synth: {} already holds this cohort ({} scans), reusing it", outDir.string(), plans.size());
        result.reused = true;
        return result;
      }
    } catch (const nlohmann::json::exception&) {
    }
    spdlog::warn("synth: {} holds a cohort made with other parameters; replacing it", outDir.string());
  }
  std::error_code ec;
  fs::remove(csvPath, ec);  // the old cohort is no longer complete
  fs::create_directories(outDir / "images", ec);
  fs::create_directories(outDir / "lobes", ec);
  if (ec) throw InputError("cannot create '" + outDir.string() + "': " + ec.message());

  const LabelConvention& convention = LabelConventionRegistry::instance().get(c.labels);
  std::vector<ScannerProfile> scanners;
  for (int s = 0; s < c.sites; ++s) scanners.push_back(makeScannerProfile(seed, s, c.spacing));

  std::vector<nlohmann::json> truth(plans.size());
  parallelFor(plans.size(), threads, [&](std::size_t i) {
    const ScanPlan& plan = plans[i];
    const PatientAnatomy anatomy = makePatientAnatomy(plan.anatomySeed);
    RenderedScan scan = renderScan(anatomy, plan.disease, scanners[static_cast<std::size_t>(plan.site)], plan.spec);
    for (auto& v : scan.lobes.voxels)
      if (v != 0) v = static_cast<std::uint8_t>(convention.lobeLabels[v - 1]);
    io::writeNifti(outDir / "images" / (plan.scanId + ".nii.gz"), scan.ct);
    io::writeNifti(outDir / "lobes" / (plan.scanId + ".nii.gz"), scan.lobes);
    truth[i] = truthRecord(plan, scan);
  });

  nlohmann::json sites = nlohmann::json::array();
  for (const auto& s : scanners)
    sites.push_back({{"site", s.site},
                     {"noise_sd_hu", s.noiseSd},
                     {"kernel_sigma_voxels", s.kernelSigmaVoxels},
                     {"slice_thickness_mm", s.sliceThicknessMm},
                     {"hu_offset", s.huOffset}});
  nlohmann::json doc{{"generator", generator}, {"sites", sites}, {"scans", truth}};
  if (!configHash.empty()) doc["config_hash"] = configHash;
  writeFileAtomic(truthPath, doc.dump(1) + "\n");

  CohortTable table;
  table.source = csvPath;
  for (const ScanPlan& plan : plans)
    table.scans.push_back({plan.scanId, plan.patientId, plan.label, "images/" + plan.scanId + ".nii.gz",
                           "lobes/" + plan.scanId + ".nii.gz", "site" + std::to_string(plan.site)});
  writeCohortTable(csvPath, table);

  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("synth: wrote {} patients, {} scans to {} in {:.2f} s ({:.2f} scans/s, {} threads)", result.patients,
               result.scans, outDir.string(), result.seconds, result.scans / result.seconds, threads);
  return result;
}

}  // namespace ren::synth
