#include "ren/reduce/ResultTable.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "ren/core/AtomicFile.h"
#include "ren/core/Csv.h"

namespace ren::reduce {

namespace {

std::string displayNumber(const TableColumn& column, const TableCell& cell) {
  if (!cell.numeric) return cell.text;
  const double v = cell.value;
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  switch (column.kind) {
    case ColumnKind::Count:
      std::snprintf(buf, sizeof buf, "%.0f", v);
      break;
    case ColumnKind::PValue:
      if (v < 0.001) return "<0.001";
      std::snprintf(buf, sizeof buf, "%.3f", v);
      break;
    default:
      std::snprintf(buf, sizeof buf, "%.*f", column.digits, v);
  }
  return buf;
}

std::string csvValue(const TableCell& cell) {
  if (!cell.numeric) return cell.text;
  return std::isfinite(cell.value) ? formatDouble(cell.value) : "";
}

std::string header(const ResultTable& t, const RunInfo& run) {
  return t.id + " " + t.title + " -- run " + run.runId + ", config " + run.configHash.substr(0, 12);
}

std::string latexEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '_': case '%': case '&': case '#': case '$': case '{': case '}':
        out += '\\';
        out += c;
        break;
      case '<':
        out += "$<$";
        break;
      case '>':
        out += "$>$";
        break;
      case '~':
        out += "\\textasciitilde{}";
        break;
      case '^':
        out += "\\textasciicircum{}";
        break;
      case '\\':
        out += "\\textbackslash{}";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string formatTableCsv(const ResultTable& t, const RunInfo& run) {
  std::ostringstream out;
  out << "# " << t.id << " " << t.title << "\n# run_id: " << run.runId << "\n# config_hash: " << run.configHash << "\n";
  if (!t.missing.empty()) {
    out << "# not available: " << t.missing << "\n";
    return out.str();
  }
  for (const auto& note : t.notes) out << "# note: " << note << "\n";
  CsvTable csv;
  for (const auto& c : t.columns) csv.header.push_back(c.name);
  for (const auto& row : t.rows) {
    std::vector<std::string> r;
    for (const auto& cell : row) r.push_back(csvValue(cell));
    csv.rows.push_back(std::move(r));
  }
  out << formatCsv(csv);
  return out.str();
}

std::string formatTableMarkdown(const ResultTable& t, const RunInfo& run) {
  std::ostringstream out;
  out << "## " << t.id << ". " << t.title << "\n\nRun `" << run.runId << "`, config `" << run.configHash << "`.\n\n";
  if (!t.missing.empty()) {
    out << "**Not available:** " << t.missing << "\n";
    return out.str();
  }
  out << "|";
  for (const auto& c : t.columns) out << " " << c.name << " |";
  out << "\n|";
  for (const auto& c : t.columns) out << (c.kind == ColumnKind::Text ? "---|" : "---:|");
  out << "\n";
  for (const auto& row : t.rows) {
    out << "|";
    for (std::size_t i = 0; i < row.size() && i < t.columns.size(); ++i) out << " " << displayNumber(t.columns[i], row[i]) << " |";
    out << "\n";
  }
  if (!t.notes.empty()) {
    out << "\n";
    for (const auto& note : t.notes) out << "- " << note << "\n";
  }
  return out.str();
}

std::string formatTableLatex(const ResultTable& t, const RunInfo& run) {
  std::ostringstream out;
  out << "% " << header(t, run) << "\n";
  out << "\\begin{table}[ht]\n\\centering\n\\caption{" << latexEscape(t.title) << " (run " << latexEscape(run.runId)
      << ", config " << latexEscape(run.configHash.substr(0, 12)) << ")}\n\\label{tab:" << t.id << "}\n";
  if (!t.missing.empty()) {
    out << "Not available: " << latexEscape(t.missing) << "\n\\end{table}\n";
    return out.str();
  }
  out << "\\begin{tabular}{";
  for (const auto& c : t.columns) out << (c.kind == ColumnKind::Text ? "l" : "r");
  out << "}\n\\hline\n";
  for (std::size_t i = 0; i < t.columns.size(); ++i) out << (i ? " & " : "") << latexEscape(t.columns[i].name);
  out << " \\\\\n\\hline\n";
  for (const auto& row : t.rows) {
    for (std::size_t i = 0; i < row.size() && i < t.columns.size(); ++i)
      out << (i ? " & " : "") << latexEscape(displayNumber(t.columns[i], row[i]));
    out << " \\\\\n";
  }
  out << "\\hline\n\\end{tabular}\n";
  if (!t.notes.empty()) {
    out << "\\par\\smallskip\\footnotesize\n";
    for (const auto& note : t.notes) out << latexEscape(note) << "\\par\n";
  }
  out << "\\end{table}\n";
  return out.str();
}

std::vector<std::filesystem::path> writeTable(const std::filesystem::path& dir, const ResultTable& t, const RunInfo& run) {
  std::filesystem::create_directories(dir);
  const std::string stem = t.id + "_" + t.name;
  std::vector<std::filesystem::path> paths{dir / (stem + ".csv"), dir / (stem + ".md"), dir / (stem + ".tex")};
  writeFileAtomic(paths[0], formatTableCsv(t, run));
  writeFileAtomic(paths[1], formatTableMarkdown(t, run));
  writeFileAtomic(paths[2], formatTableLatex(t, run));
  return paths;
}

}  // namespace ren::reduce
