#pragma once
// The cohort table: one row per CT scan (cohort.csv).
//
// Columns: scan_id, patient_id, label, image (required); lobes, site (optional); any other column is
// ignored. Column names must match exactly (no guessing of typos). Cells are trimmed of surrounding
// whitespace. label must be 0 or 1. scan_id must be unique; a patient may have several scans.
// Relative image/lobes paths are relative to the directory of the CSV file.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace ren {

struct ScanRecord {
  std::string scanId;
  std::string patientId;
  int label = 0;
  std::string image;
  std::string lobes;  ///< lobe map path; may be empty
  std::string site;   ///< acquisition site; may be empty
};

struct CohortTable {
  std::filesystem::path source;  ///< the CSV this table was read from (empty when built in memory)
  std::vector<ScanRecord> scans;

  /// An absolute path is returned unchanged; a relative one is taken relative to the directory of
  /// `source` (or returned unchanged when `source` has no directory). An empty string gives an
  /// empty path (e.g. a scan without a lobe map).
  std::filesystem::path resolve(const std::string& relativeOrAbsolute) const;
  /// Number of distinct patient ids.
  std::size_t patientCount() const;
};

/// Reads and validates a cohort table. Throws ren::InputError naming the file and, for row errors,
/// the 1-based data row and the physical line: missing file, missing required column (listing the
/// columns found), a required column given twice, empty scan_id or patient_id, duplicate scan_id
/// (naming both rows), a label other than 0 or 1 (showing the value), a table with no scans.
CohortTable readCohortTable(const std::filesystem::path& csv);

/// Writes the columns scan_id,patient_id,label,image,lobes,site atomically (ren::writeFileAtomic).
/// Paths are written as stored: relative paths keep their meaning only next to the same directory.
void writeCohortTable(const std::filesystem::path& csv, const CohortTable& t);

}  // namespace ren
