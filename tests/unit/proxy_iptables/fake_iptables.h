#pragma once
// An in-memory model of iptables-restore --noflush / iptables-save, strict enough to
// catch plans that the real binaries would refuse: rules only in existing chains,
// jumps only to existing chains, "-D" only of an existing rule (same text), "-X" only
// of an empty, unreferenced user chain; each COMMIT applies its table atomically.
// FakeIptablesRunner puts it behind the IptablesRunner interface.

#include <map>
#include <string>
#include <vector>

#include "common/netfilter/iptables.h"

namespace orch::proxy::testing {

class FakeTables {
 public:
  FakeTables();
  // Applies restore text; on error nothing of the failing table section changes.
  Status restore(const std::string& text);
  // iptables-save format of one table ("-A CHAIN rest" as it was given).
  std::string save(const std::string& table) const;

  struct Table {
    std::vector<std::string> chains;                        // in creation order
    std::map<std::string, std::vector<std::string>> rules;  // chain -> "rest" of "-A C rest"
    std::vector<std::string> builtins;
  };
  const Table& table(const std::string& name) const { return tables_.at(name); }
  // Every chain named ORCH-* in the table.
  std::vector<std::string> ourChains(const std::string& table) const;
  // Rules in ORCH- chains plus rules jumping to them, in both tables; and ORCH- chains.
  uint64_t ourRuleCount() const;
  uint64_t ourChainCount() const;

 private:
  std::map<std::string, Table> tables_;
};

class FakeIptablesRunner final : public netfilter::IptablesRunner {
 public:
  explicit FakeIptablesRunner(FakeTables* tables) : tables_(tables) {}
  Status restore(netfilter::IpFamily family, const std::string& rules) override;
  Result<std::string> save(netfilter::IpFamily family, std::string_view table) override;

  int restores = 0, saves = 0;
  int fail_next_restores = 0;  // > 0: that many restores fail with EIO
  std::vector<std::string> texts;

 private:
  FakeTables* tables_;
};

}  // namespace orch::proxy::testing
