#pragma once
// CSV input and output (RFC 4180) and deterministic number formatting for tables.
//
// Reading: quoted fields with doubled quotes, commas, CR and LF inside quotes; a UTF-8 byte-order
// mark at the start is dropped; line ends may be LF or CRLF; lines that are completely empty are
// skipped. Every row must have as many fields as the header. Errors are ren::InputError naming the
// file and the (1-based, physical) line.
// Writing: a field is quoted only when it contains a comma, a quote, CR or LF (or when it is the
// only field of a row and empty, so that the line is not mistaken for a blank one); lines end "\n".
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ren {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  /// Filled by readCsv/parseCsv: the physical line (1-based) where each row starts, parallel to
  /// `rows` (empty for tables built in memory). Used for error messages.
  std::vector<std::size_t> rowLines;
  /// Index of the first column named `name`, or -1.
  int column(std::string_view name) const;
  /// Line of row `i` for messages: rowLines[i] when known, otherwise i + 2 (header on line 1).
  std::size_t lineOf(std::size_t i) const;
};

/// Reads a CSV file (see above). A missing/unreadable file throws InputError naming it. A file with
/// no records at all gives an empty table (no header, no rows).
CsvTable readCsv(const std::filesystem::path& path);

/// Parses CSV text; `source` names the input in error messages ("<source>:<line>: ...").
CsvTable parseCsv(std::string_view text, const std::string& source);

/// Formats a table as CSV text. Throws std::invalid_argument when a row's width differs from a
/// non-empty header (such a file could not be read back).
std::string formatCsv(const CsvTable& t);

/// Quotes one field when needed (comma, quote, CR or LF inside), doubling inner quotes.
std::string csvField(std::string_view field);

/// Shortest text that parses back to exactly `v` (std::to_chars). -0.0 is written as "0";
/// NaN as "nan", infinities as "inf" / "-inf". Output is identical on every platform.
std::string formatDouble(double v);

/// Strict parsers for table cells: the whole string (after trimming spaces/tabs) must be a number.
/// parseDouble accepts what formatDouble writes (including "nan", "inf", "-inf") and a leading '+'.
std::optional<double> parseDouble(std::string_view s);
std::optional<std::int64_t> parseInt(std::string_view s);

/// Removes leading and trailing ASCII whitespace (space, tab, CR, LF).
std::string_view trimView(std::string_view s);

}  // namespace ren
