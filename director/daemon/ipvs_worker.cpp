// The IPVS worker; see ipvs_worker.hpp.
#include "director/daemon/ipvs_worker.hpp"

namespace tandem::director {

namespace {
constexpr int kBulkWorkNice = 10;  // the loop's adverts and probe deadlines go first
}  // namespace

IpvsWorker::IpvsWorker(asio::io_context& loop, ipvs::Client client)
    : client_(std::move(client)), worker_(loop, kBulkWorkNice) {}

}  // namespace tandem::director
