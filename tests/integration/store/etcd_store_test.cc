// The shared Store suite against a real etcd started for this test program.
#include "controlplane/store/etcd_store.h"

#include <gtest/gtest.h>

#include "etcd_server.h"
#include "store_suite.h"
#include "support/temp_dir.h"
#include "test_pki.h"

namespace orch::store::testing {
namespace {

using namespace std::chrono_literals;

// One etcd for the whole program (every test uses its own key prefix); started on first use,
// stopped at exit.
class EtcdBackend final : public StoreBackend {
 public:
  std::string name() const override { return "Etcd"; }
  Result<std::unique_ptr<Store>> open() override {
    if (!server_ && start_error_.isOk()) {
      auto s = EtcdServer::start();
      if (s.ok()) {
        server_ = std::move(s).value();
      } else {
        start_error_ = s.status();
      }
    }
    ORCH_RETURN_IF_ERROR(start_error_);
    ORCH_ASSIGN_OR_RETURN(auto store, EtcdStore::open({.endpoints = {server_->endpoint()}}));
    return std::unique_ptr<Store>(std::move(store));
  }
  const EtcdServer* server() const { return server_.get(); }

 private:
  std::unique_ptr<EtcdServer> server_;
  Status start_error_;
};

EtcdBackend etcd_backend;
INSTANTIATE_TEST_SUITE_P(Etcd, StoreSuite, ::testing::Values(&etcd_backend), backendName);

TEST(EtcdStore, BadEndpointsAreRejected) {
  EXPECT_EQ(EtcdStore::open({}).status().code(), EINVAL);
  EXPECT_EQ(EtcdStore::open({.endpoints = {"no-port"}}).status().code(), EINVAL);
  EXPECT_EQ(EtcdStore::open({.endpoints = {"etcd-a:2379", "etcd-b:2379"}}).status().code(), EINVAL);
  EXPECT_EQ(EtcdStore::open({.endpoints = {"127.0.0.1:1"}, .cert_file = "/x"}).status().code(),
            EINVAL);
}

TEST(EtcdStore, UnreachableEtcdIsAnErrorNotAHang) {
  auto s = EtcdStore::open(
      {.endpoints = {"127.0.0.1:" + std::to_string(orch::testing::freeTcpPort())}, .timeout = 1s});
  EXPECT_FALSE(s.ok());
}

TEST(EtcdStore, RawPutAdvancesTheRevision) {
  auto s = etcd_backend.open();
  ASSERT_TRUE(s.ok()) << s.status().message();
  auto* etcd = static_cast<EtcdStore*>(s->get());
  auto before = etcd->currentRevision();
  ASSERT_TRUE(before.ok());
  auto rev = etcd->put("/raw/put", "v");
  ASSERT_TRUE(rev.ok()) << rev.status().message();
  EXPECT_EQ(*rev, *before + 1);
  EXPECT_EQ(etcd->get("/raw/put")->mod_revision, *rev);
}

TEST(EtcdStore, SeveralEndpointsFailOver) {
  auto s = etcd_backend.open();
  ASSERT_TRUE(s.ok()) << s.status().message();
  // The first endpoint refuses connections; pick_first moves on to the live one.
  int dead = orch::testing::freeTcpPort();
  auto multi = EtcdStore::open({.endpoints = {"http://127.0.0.1:" + std::to_string(dead),
                                              "http://" + etcd_backend.server()->endpoint()}});
  ASSERT_TRUE(multi.ok()) << multi.status().message();
  auto c = (*multi)->create("/failover/" + std::to_string(dead), "1");
  EXPECT_TRUE(c.ok()) << c.status().message();
}

}  // namespace
}  // namespace orch::store::testing

namespace orch::store::testing {
namespace {

TEST(EtcdStoreTls, ClientCertificateAuthenticatedConnection) {
  orch::testing::TempDir dir;
  auto pki = makeTestPki(dir.path());
  ASSERT_TRUE(pki.ok()) << pki.status().message();
  EtcdServerTls tls{.ca_file = pki->ca_cert,
                    .server_cert_file = pki->server_cert,
                    .server_key_file = pki->server_key,
                    .client_cert_file = pki->client_cert,
                    .client_key_file = pki->client_key};
  auto server = EtcdServer::start(&tls);
  ASSERT_TRUE(server.ok()) << server.status().message();

  auto s = EtcdStore::open({.endpoints = {(*server)->endpoint()},
                            .ca_file = pki->ca_cert,
                            .cert_file = pki->client_cert,
                            .key_file = pki->client_key});
  ASSERT_TRUE(s.ok()) << s.status().message();
  auto c = (*s)->create("/tls/a", "1");
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto w = (*s)->watch("/tls/", c->mod_revision - 1);
  ASSERT_TRUE(w.ok()) << w.status().message();
  auto ev = (*w)->next(std::chrono::seconds(10));
  ASSERT_TRUE(ev.ok()) << ev.status().message();
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ((*ev)[0].kv, *c);

  // Without a client certificate, or trusting another CA, etcd is out of reach.
  auto no_cert = EtcdStore::open({.endpoints = {(*server)->endpoint()},
                                  .ca_file = pki->ca_cert,
                                  .timeout = std::chrono::seconds(2)});
  EXPECT_FALSE(no_cert.ok());
  orch::testing::TempDir other_dir;
  auto other = makeTestPki(other_dir.path());
  ASSERT_TRUE(other.ok());
  auto wrong_ca = EtcdStore::open({.endpoints = {(*server)->endpoint()},
                                   .ca_file = other->ca_cert,
                                   .cert_file = pki->client_cert,
                                   .key_file = pki->client_key,
                                   .timeout = std::chrono::seconds(2)});
  EXPECT_FALSE(wrong_ca.ok());
}

}  // namespace
}  // namespace orch::store::testing
