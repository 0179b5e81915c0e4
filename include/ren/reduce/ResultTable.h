#pragma once
// A result table of the reduce step and its three renderings (CSV, Markdown, LaTeX), each headed by
// the run id and the config hash. Columns are machine-friendly (one number per column: mean and SD
// are two columns); Markdown and LaTeX round for reading, CSV keeps full precision. A table whose
// inputs do not exist yet carries `missing` (which stage to run) instead of rows.
#include <filesystem>
#include <string>
#include <vector>

namespace ren::reduce {

enum class ColumnKind { Text, Number, PValue, Count };

struct TableColumn {
  std::string name;
  ColumnKind kind = ColumnKind::Text;
  int digits = 3;  ///< decimals shown for Number
};

/// One cell: text, or a number (NaN prints as "n/a").
struct TableCell {
  std::string text;
  double value = 0;
  bool numeric = false;
  static TableCell of(std::string s) { return {std::move(s), 0, false}; }
  static TableCell of(double v) { return {"", v, true}; }
};

struct ResultTable {
  std::string id;     ///< "T1"
  std::string name;   ///< file stem after the id, e.g. "region_architecture_auc"
  std::string title;  ///< one line
  std::vector<TableColumn> columns{};
  std::vector<std::vector<TableCell>> rows{};
  std::vector<std::string> notes{};  ///< statistics used, SD convention, selections, caveats
  std::string missing{};             ///< non-empty: why the table has no numbers (which stage is missing)
};

struct RunInfo {
  std::string runId;
  std::string configHash;
};

std::string formatTableCsv(const ResultTable& table, const RunInfo& run);
std::string formatTableMarkdown(const ResultTable& table, const RunInfo& run);
std::string formatTableLatex(const ResultTable& table, const RunInfo& run);

/// Writes <dir>/<id>_<name>.{csv,md,tex} atomically; returns the three paths.
std::vector<std::filesystem::path> writeTable(const std::filesystem::path& dir, const ResultTable& table, const RunInfo& run);

}  // namespace ren::reduce
