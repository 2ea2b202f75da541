// Health checks (issue #14): the image's HEALTHCHECK and the `--health-*`
// flags, resolved into the container's Healthcheck, which its monitor runs.
import HiveOCI
import HivePlatform

/// The `--health-*` flags as given (nil: not given).
public struct HealthRequest: Equatable, Sendable {
    public var cmd: String?
    public var interval: String?
    public var timeout: String?
    public var retries: String?
    public var startPeriod: String?
    public var startInterval: String?
    /// `--no-healthcheck`.
    public var disabled = false
    /// `--health-on-failure none|kill|restart|stop`.
    public var onFailure: String?
    public init() {}
}

extension HealthRequest {
    /// The container's health check: the image's, changed by the flags; nil when
    /// it has none (or `--no-healthcheck`, or the image's test is NONE).
    /// (Issue #14: to build; today no container has one.)
    public func resolve(image: Healthcheck?) throws(HiveError) -> Healthcheck? {
        nil
    }
}
