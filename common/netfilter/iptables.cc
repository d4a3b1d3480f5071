#include "common/netfilter/iptables.h"

#include "common/base/process.h"

namespace orch::netfilter {

namespace {

class ExecIptablesRunner final : public IptablesRunner {
 public:
  explicit ExecIptablesRunner(std::chrono::milliseconds timeout,
                              IptablesVariant variant = IptablesVariant::kDefault)
      : timeout_(timeout), variant_(variant) {}

  Status restore(IpFamily family, const std::string& rules) override {
    std::string bin = binary(family, "restore");
    return check(bin.c_str(), runProcess({.argv = {bin, "--noflush", "--wait"}}, rules, timeout_));
  }

  Result<std::string> save(IpFamily family, std::string_view table) override {
    std::string bin = binary(family, "save");
    auto r = runProcess({.argv = {bin, "-t", std::string(table)}}, "", timeout_);
    ORCH_RETURN_IF_ERROR(check(bin.c_str(), r));
    return std::move(r->out);
  }

 private:
  // "iptables-restore", "ip6tables-legacy-save" ...
  std::string binary(IpFamily family, const char* what) const {
    std::string bin = family == IpFamily::kV4 ? "iptables-" : "ip6tables-";
    if (variant_ == IptablesVariant::kNft) bin += "nft-";
    if (variant_ == IptablesVariant::kLegacy) bin += "legacy-";
    return bin + what;
  }

  static Status check(const char* bin, const Result<RunResult>& r) {
    if (!r.ok()) return r.status().withContext(bin);
    if (r->timed_out) return Status::timeout(std::string(bin) + " timed out");
    if (r->exit_code != 0) {
      std::string err = r->err;
      while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
      return Status::error(EIO, std::string(bin) + " failed: " + err);
    }
    return Status::ok();
  }

  std::chrono::milliseconds timeout_;
  IptablesVariant variant_;
};

}  // namespace

std::unique_ptr<IptablesRunner> makeExecIptablesRunner(std::chrono::milliseconds timeout) {
  return std::make_unique<ExecIptablesRunner>(timeout);
}

std::unique_ptr<IptablesRunner> makeExecIptablesRunner(IptablesVariant variant,
                                                       std::chrono::milliseconds timeout) {
  return std::make_unique<ExecIptablesRunner>(timeout, variant);
}

IptablesRestoreText& IptablesRestoreText::table(std::string_view name) {
  if (open_) text_ += "COMMIT\n";
  text_ += "*";
  text_ += name;
  text_ += '\n';
  open_ = true;
  return *this;
}

IptablesRestoreText& IptablesRestoreText::chain(std::string_view name) {
  text_ += ":";
  text_ += name;
  text_ += " - [0:0]\n";
  return *this;
}

IptablesRestoreText& IptablesRestoreText::line(std::string_view text) {
  text_ += text;
  text_ += '\n';
  return *this;
}

std::string IptablesRestoreText::str() const {
  return open_ ? text_ + "COMMIT\n" : text_;
}

Result<std::vector<IptablesTableDump>> parseIptablesSave(std::string_view text) {
  std::vector<IptablesTableDump> out;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    auto bad = [&](const char* why) {
      return Status::invalid("iptables-save line " + std::to_string(line_no) + ": " + why);
    };
    if (line[0] == '*') {
      out.push_back({std::string(line.substr(1)), {}, {}});
    } else if (line == "COMMIT") {
      continue;
    } else if (out.empty()) {
      return bad("rule or chain outside a table");
    } else if (line[0] == ':') {
      size_t sp = line.find(' ');
      if (sp == 1) return bad("empty chain name");
      out.back().chains.emplace_back(line.substr(1, sp == std::string_view::npos ? sp : sp - 1));
    } else if (line.substr(0, 3) == "-A ") {
      out.back().rules.emplace_back(line);
    } else {
      return bad("unexpected line");
    }
  }
  return out;
}

std::string iptablesQuote(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::vector<std::string> rulesWithComment(const IptablesTableDump& dump, std::string_view chain,
                                          std::string_view comment) {
  std::string prefix = "-A " + std::string(chain) + " ";
  // iptables-save prints the comment quoted only when it needs quotes.
  std::string plain = "--comment " + std::string(comment) + " ";
  std::string quoted = "--comment " + iptablesQuote(comment) + " ";
  std::vector<std::string> out;
  for (const std::string& r : dump.rules) {
    if (r.rfind(prefix, 0) != 0) continue;
    std::string padded = r + " ";
    if (padded.find(plain) != std::string::npos || padded.find(quoted) != std::string::npos) {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace orch::netfilter
