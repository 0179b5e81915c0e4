#pragma once
// The patient-level cross-validation split (METHOD.md §4), written once per run to RUN/split.csv
// and read by every model so that paired comparisons are valid.
//
// Fold membership: patients ordered by scan count (descending), ties by patient id (ascending,
// byte-wise); each goes to the fold with the fewest scans so far (ties: lowest fold index).
// Held-out fold k: its patients, sorted by id, are shuffled with ren::Rng(seed + k); the first
// floor(n/2) are validation, the rest test. All scans of the other folds' patients are training.
// With rotateValTest, fold baseFolds + k repeats fold k with validation and test swapped.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ren/core/CohortTable.h"

namespace ren::split {

enum class Role { Train, Val, Test };

/// "train", "val", "test".
const char* roleName(Role r);
/// Inverse of roleName (exact, lower case); throws ren::InputError for anything else.
Role parseRole(std::string_view s);

struct SplitOptions {
  int folds = 5;
  bool rotateValTest = false;
  std::uint64_t seed = 42;
};

struct SplitRow {
  std::string scanId;
  std::string patientId;
  int fold = 0;
  Role role = Role::Train;
};

struct PatientSplit {
  int baseFolds = 5;
  bool rotated = false;
  /// One row per scan per fold, sorted by fold, then by cohort scan order.
  std::vector<SplitRow> rows;
  /// baseFolds * (rotated ? 2 : 1).
  int foldCount() const;
};

/// Makes the split. Throws ren::InputError when folds < 2, when there are more folds than
/// patients, or when the cohort has an empty or duplicate scan_id or an empty patient_id.
PatientSplit makePatientSplit(const CohortTable& cohort, const SplitOptions& options);

/// Writes scan_id,patient_id,fold,role (role: train/val/test) atomically.
void writeSplitCsv(const std::filesystem::path& path, const PatientSplit& s);

/// Reads a split file. Validates the header (exactly scan_id,patient_id,fold,role), the fold
/// numbers (integers 0..F-1, every fold present), the roles, one row per scan per fold, the same
/// scans in every fold, one patient id per scan, one role per patient per fold. Errors are
/// ren::InputError naming the file (and the line for row errors). Rows are returned sorted by fold,
/// then file order.
/// Rotation is inferred: the split is marked rotated (baseFolds = F/2) when F is even, F >= 4 and
/// for every k < F/2 fold k + F/2 has the same training scans as fold k and val/test swapped. This
/// is reliable for files written by writeSplitCsv: in an unrotated split the held-out patients of
/// fold k are training in every other fold, so the test can never pass. Otherwise baseFolds = F.
PatientSplit readSplitCsv(const std::filesystem::path& path);

/// Checks that a split covers exactly the scans of `cohort` with the same patient ids; throws
/// ren::InputError naming the first mismatch (`what` names the split in the message).
void checkSplitMatchesCohort(const PatientSplit& s, const CohortTable& cohort,
                             const std::string& what = "split");

/// Per fold and role: scans, patients and scans per label; plus "warnings" with one message per
/// fold/role that lacks a class ("fold 2 val has no label-1 scans"; "fold 0 val has no scans" when
/// the role is empty). Labels come from `cohort` (InputError when a scan of the split is missing).
/// Shape: {"folds":F,"base_folds":K,"rotated":b,"scans":N,"patients":P,
///         "per_fold":[{"fold":k,"train":{"scans":..,"patients":..,"label0":..,"label1":..},
///                      "val":{...},"test":{...}}, ...],
///         "warnings":[...]}
nlohmann::json splitSummary(const PatientSplit& s, const CohortTable& cohort);

}  // namespace ren::split
