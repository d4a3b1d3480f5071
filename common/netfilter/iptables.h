#pragma once
// The iptables backend: rules are written as iptables-restore text and applied
// with `iptables-restore --noflush` (one atomic restore per table set; works with
// both the nft and the legacy iptables variants), and read back with
// iptables-save. Running the binaries sits behind IptablesRunner so plans can be
// tested without root.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace orch::netfilter {

enum class IpFamily { kV4, kV6 };

class IptablesRunner {
 public:
  virtual ~IptablesRunner() = default;
  // Feeds `rules` (iptables-restore format) to (ip6)iptables-restore --noflush.
  virtual Status restore(IpFamily family, const std::string& rules) = 0;
  // The output of (ip6)iptables-save -t <table>.
  virtual Result<std::string> save(IpFamily family, std::string_view table) = 0;
};

// Runs the binaries found on PATH, waiting for the xtables lock.
std::unique_ptr<IptablesRunner> makeExecIptablesRunner(
    std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Which iptables binaries a runner execs: the system's default (`iptables-restore`,
// whatever the alternatives point at), or explicitly the nf_tables or the legacy
// (x_tables) variant (`iptables-nft-restore` / `iptables-legacy-restore` ...).
enum class IptablesVariant { kDefault, kNft, kLegacy };

// As above, for the given variant.
std::unique_ptr<IptablesRunner> makeExecIptablesRunner(IptablesVariant variant,
                                                       std::chrono::milliseconds timeout);

// Builds iptables-restore text. In --noflush mode a ":CHAIN - [0:0]" line creates
// the chain or flushes it if it exists; "-X CHAIN" deletes it.
class IptablesRestoreText {
 public:
  // Starts a table section ("*nat"); the previous one is committed.
  IptablesRestoreText& table(std::string_view name);
  // Declares (creates or flushes) a chain in the current table.
  IptablesRestoreText& chain(std::string_view name);
  // Appends a raw line: "-A CHAIN ...", "-D CHAIN ...", "-I ...", "-X CHAIN".
  IptablesRestoreText& line(std::string_view text);
  bool empty() const { return text_.empty(); }
  // The full text, with the final COMMIT.
  std::string str() const;

 private:
  std::string text_;
  bool open_ = false;
};

struct IptablesTableDump {
  std::string table;
  std::vector<std::string> chains;  // chain names in order, built-in ones included
  std::vector<std::string> rules;   // "-A CHAIN ..." lines as iptables-save prints them
};

// Parses iptables-save output (any number of tables). Malformed input is EINVAL
// naming the line.
Result<std::vector<IptablesTableDump>> parseIptablesSave(std::string_view text);

// Quotes a value for iptables-restore (comments with spaces).
std::string iptablesQuote(std::string_view value);

// The rules of `chain` in `dump` that carry `--comment <comment>` (as saved).
std::vector<std::string> rulesWithComment(const IptablesTableDump& dump, std::string_view chain,
                                          std::string_view comment);

}  // namespace orch::netfilter
