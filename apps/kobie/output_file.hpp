#pragma once
// An output file of the command line (CSV), written so that no run leaves a
// file that looks finished but is not.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace kobie_cli {

/// Written under a temporary name beside the file asked for
/// ("<path>.partial-<pid>") and renamed onto that name only by `commit()`,
/// once every row is written and flushed: rename within a folder is atomic,
/// so a crash, a kill or an error never leaves a truncated file under the
/// name asked for (an older file of that name stays whole until the new one
/// replaces it). Without `commit()` the temporary file is removed, unless
/// the process dies first: then the ".partial-" file is what is left, and
/// its name says it is not finished. A failed write (a full disk) is an
/// error naming the option and the path, never a short file.
class OutputFile {
 public:
  OutputFile(std::string option, std::string path)
      : m_option(std::move(option)),
        m_path(std::move(path)),
        m_partial(m_path + ".partial-" + std::to_string(::getpid())),
        m_out(m_partial) {
    if (!m_out) fail("cannot create '" + m_partial + "'");
    // Test hook (tests/cli_test.cmake): die after this many rows, as a
    // killed or crashed run would, to show what such a run leaves.
    if (const char* rows = std::getenv("KOBIE_CLI_DIE_AFTER_ROWS")) m_die_after = std::atol(rows);
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile() {
    if (!m_committed) {
      m_out.close();
      std::remove(m_partial.c_str());
    }
  }

  std::ostream& stream() { return m_out; }
  /// Called after each row (the test hook counts them).
  void end_row() {
    if (m_die_after >= 0 && ++m_rows >= m_die_after) {
      m_out.flush();
      std::_Exit(9);
    }
  }
  /// Flushes, closes and renames the file onto its name.
  void commit() {
    m_out.flush();
    if (!m_out) fail("writing '" + m_partial + "' failed (is the disk full?)");
    m_out.close();
    if (!m_out) fail("closing '" + m_partial + "' failed");
    if (std::rename(m_partial.c_str(), m_path.c_str()) != 0)
      fail("cannot rename '" + m_partial + "' to '" + m_path + "'");
    m_committed = true;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error(m_option + ": " + why);
  }
  std::string m_option, m_path, m_partial;
  std::ofstream m_out;
  bool m_committed = false;
  long m_die_after = -1, m_rows = 0;
};

}  // namespace kobie_cli
