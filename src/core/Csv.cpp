#include "ren/core/Csv.h"

#include <charconv>
#include <stdexcept>
#include <system_error>

#include "ren/core/AtomicFile.h"
#include "ren/core/Error.h"

namespace ren {

int CsvTable::column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

std::size_t CsvTable::lineOf(std::size_t i) const {
  if (i < rowLines.size()) return rowLines[i];
  return i + 2;
}

namespace {

[[noreturn]] void parseFail(const std::string& source, std::size_t line, const std::string& what) {
  throw InputError(source + ":" + std::to_string(line) + ": " + what);
}

}  // namespace

CsvTable parseCsv(std::string_view text, const std::string& source) {
  // Drop a UTF-8 byte-order mark.
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
    text.remove_prefix(3);
  }

  CsvTable table;
  bool haveHeader = false;
  std::size_t line = 1;  // current physical line

  std::vector<std::string> record;
  std::string field;
  std::size_t recordLine = 1;

  auto finishRecord = [&]() {
    if (!haveHeader) {
      table.header = std::move(record);
      haveHeader = true;
    } else {
      if (record.size() != table.header.size()) {
        parseFail(source, recordLine,
                  "expected " + std::to_string(table.header.size()) + " fields, found " +
                      std::to_string(record.size()));
      }
      table.rows.push_back(std::move(record));
      table.rowLines.push_back(recordLine);
    }
    record.clear();
  };

  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // Start of a record.
    recordLine = line;
    // Blank line (LF or CRLF alone): skip.
    if (text[i] == '\n') {
      ++line;
      ++i;
      continue;
    }
    if (text[i] == '\r' && (i + 1 == n || text[i + 1] == '\n')) {
      i += (i + 1 == n) ? 1 : 2;
      ++line;
      continue;
    }
    record.clear();
    bool endOfRecord = false;
    while (!endOfRecord) {
      field.clear();
      if (i < n && text[i] == '"') {
        // Quoted field.
        const std::size_t openLine = line;
        ++i;
        bool closed = false;
        while (i < n) {
          char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
            } else {
              ++i;
              closed = true;
              break;
            }
          } else {
            if (c == '\n') ++line;
            field.push_back(c);
            ++i;
          }
        }
        if (!closed) parseFail(source, openLine, "unterminated quoted field");
        // After the closing quote: a comma, a line end or the end of the input.
        if (i < n && text[i] != ',' && text[i] != '\n' &&
            !(text[i] == '\r' && (i + 1 == n || text[i + 1] == '\n'))) {
          parseFail(source, line, "unexpected character after a closing quote");
        }
      } else {
        // Unquoted field: up to a comma or a line end.
        while (i < n) {
          char c = text[i];
          if (c == ',' || c == '\n') break;
          if (c == '\r' && (i + 1 == n || text[i + 1] == '\n')) break;
          field.push_back(c);
          ++i;
        }
      }
      record.push_back(field);
      if (i >= n) {
        endOfRecord = true;
      } else if (text[i] == ',') {
        ++i;
      } else {
        // Line end: LF or CRLF (or CR at the end of the input).
        if (text[i] == '\r') ++i;
        if (i < n && text[i] == '\n') ++i;
        ++line;
        endOfRecord = true;
      }
    }
    finishRecord();
  }
  return table;
}

CsvTable readCsv(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw InputError("CSV file not found: '" + path.string() + "'");
  }
  const std::string text = readFile(path);
  return parseCsv(text, path.string());
}

std::string csvField(std::string_view field) {
  bool needsQuotes = false;
  for (char c : field) {
    if (c == ',' || c == '"' || c == '\r' || c == '\n') {
      needsQuotes = true;
      break;
    }
  }
  if (!needsQuotes) return std::string(field);
  std::string out;
  out.reserve(field.size() + 2);
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

namespace {
void appendRecord(std::string& out, const std::vector<std::string>& fields) {
  if (fields.size() == 1 && fields[0].empty()) {
    out += "\"\"\n";  // an unquoted empty single field would read back as a blank line
    return;
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += csvField(fields[i]);
  }
  out.push_back('\n');
}
}  // namespace

std::string formatCsv(const CsvTable& t) {
  std::string out;
  if (!t.header.empty()) appendRecord(out, t.header);
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    if (!t.header.empty() && t.rows[r].size() != t.header.size()) {
      throw std::invalid_argument("formatCsv: row " + std::to_string(r + 1) + " has " +
                                  std::to_string(t.rows[r].size()) + " fields, header has " +
                                  std::to_string(t.header.size()));
    }
    appendRecord(out, t.rows[r]);
  }
  return out;
}

std::string formatDouble(double v) {
  if (v == 0.0) return "0";  // also -0.0
  if (v != v) return "nan";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  if (res.ec != std::errc()) throw std::runtime_error("formatDouble: to_chars failed");
  return std::string(buf, res.ptr);
}

std::string_view trimView(std::string_view s) {
  auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<double> parseDouble(std::string_view s) {
  s = trimView(s);
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) return std::nullopt;
  }
  if (s.empty()) return std::nullopt;
  double v = 0.0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parseInt(std::string_view s) {
  s = trimView(s);
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) return std::nullopt;
  }
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace ren
