#include "tests/support/netns/netns_fixture.h"

#include <dirent.h>
#include <unistd.h>

#include <atomic>

namespace orch::testing {

namespace {
std::atomic<int> g_counter{0};
constexpr std::chrono::seconds kCommandTimeout{10};
}  // namespace

Result<RunResult> runCommand(const std::vector<std::string>& argv) {
  ProcessOptions opts;
  opts.argv = argv;
  opts.pipe_stdout = true;
  opts.pipe_stderr = true;
  return runProcess(std::move(opts), "",
                    std::chrono::duration_cast<std::chrono::milliseconds>(kCommandTimeout));
}

Result<std::unique_ptr<TestNetns>> TestNetns::create(const std::string& prefix) {
  std::string name = prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(g_counter++);
  ORCH_ASSIGN_OR_RETURN(auto ns, netlink::NetNs::create(name));
  auto nl = netlink::Netlink::openIn(ns);
  if (!nl.ok()) {
    (void)netlink::NetNs::remove(name);
    return nl.status();
  }
  std::unique_ptr<TestNetns> t(new TestNetns(name, std::move(ns), std::move(*nl)));
  // Loopback up: most tests talk to 127.0.0.1 inside at some point.
  ORCH_RETURN_IF_ERROR(t->nl().setUp("lo", true));
  return t;
}

TestNetns::TestNetns(std::string name, netlink::NetNs ns, netlink::Netlink nl)
    : name_(std::move(name)), ns_(std::move(ns)), nl_(std::move(nl)) {}

TestNetns::~TestNetns() {
  (void)destroy();
}

Status TestNetns::destroy() {
  if (destroyed_) return Status::ok();
  destroyed_ = true;
  // Delete veth-like links first: their peers may sit in namespaces that outlive this
  // one (or in the host), and a namespace only disappears once nothing holds it.
  if (auto links = nl_->listLinks(); links.ok()) {
    for (const auto& l : *links) {
      if (l.name != "lo") (void)nl_->deleteLink(l.name);
    }
  }
  // The socket and the fd pin the namespace; drop them before unmounting.
  nl_.reset();
  ns_.reset();
  return netlink::NetNs::remove(name_);
}

Result<RunResult> TestNetns::exec(const std::vector<std::string>& argv) const {
  std::vector<std::string> full = {"ip", "netns", "exec", name_};
  full.insert(full.end(), argv.begin(), argv.end());
  return runCommand(full);
}

Status TestNetns::ip(const std::vector<std::string>& args) const {
  std::vector<std::string> full = {"ip", "-n", name_};
  full.insert(full.end(), args.begin(), args.end());
  ORCH_ASSIGN_OR_RETURN(RunResult r, runCommand(full));
  if (r.exit_code != 0) {
    std::string cmd;
    for (const auto& a : full) cmd += (cmd.empty() ? "" : " ") + a;
    return Status::error(EIO, cmd + ": exit " + std::to_string(r.exit_code) + ": " + r.err);
  }
  return Status::ok();
}

Result<nlohmann::json> TestNetns::ipJson(const std::vector<std::string>& args) const {
  std::vector<std::string> full = {"ip", "-n", name_, "-j"};
  full.insert(full.end(), args.begin(), args.end());
  ORCH_ASSIGN_OR_RETURN(RunResult r, runCommand(full));
  if (r.exit_code != 0) {
    return Status::error(EIO, "ip -j: exit " + std::to_string(r.exit_code) + ": " + r.err);
  }
  try {
    return nlohmann::json::parse(r.out.empty() ? std::string("[]") : r.out);
  } catch (const nlohmann::json::exception& e) {
    return Status::invalid(std::string("ip -j output: ") + e.what());
  }
}

std::vector<std::string> leftoverNetns(const std::string& prefix) {
  std::vector<std::string> out;
  std::string mine = prefix + "-" + std::to_string(::getpid()) + "-";
  DIR* d = ::opendir(netlink::NetNs::kRunDir);
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.rfind(mine, 0) == 0) out.push_back(n);
  }
  ::closedir(d);
  return out;
}

void NetnsTest::SetUp() {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: creates network namespaces";
}

void NetnsTest::TearDown() {
  // Namespaces first (their veth ends take host-side peers with them), then host links.
  for (auto& t : netns_) {
    Status st = t->destroy();
    if (!st.isOk()) ADD_FAILURE() << "teardown: " << st.message();
  }
  netns_.clear();
  if (!host_links_.empty()) {
    auto nl = netlink::Netlink::open();
    if (nl.ok()) {
      for (const auto& l : host_links_) {
        Status st = nl->deleteLink(l);
        if (!st.isOk() && st.code() != ENODEV) ADD_FAILURE() << "teardown: " << st.message();
      }
    }
  }
  host_links_.clear();
}

TestNetns* NetnsTest::newNetns() {
  auto t = TestNetns::create();
  if (!t.ok()) {
    ADD_FAILURE() << "create test netns: " << t.status().message();
    return nullptr;
  }
  netns_.push_back(std::move(*t));
  return netns_.back().get();
}

void NetnsTest::recordHostLink(const std::string& name) {
  host_links_.push_back(name);
}

}  // namespace orch::testing
