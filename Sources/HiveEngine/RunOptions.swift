// What `hive run`/`create` is asked for is the runtime's ContainerRequest
// (HiveRuntime/ContainerRequest.swift), planned by its ContainerPlanner; the
// CLI names it, and its mount requests, through these.
import HiveRuntime

public typealias RunOptions = ContainerRequest
public typealias MountRequest = HiveRuntime.MountRequest
/// A container record's spec, for the engine's files that read records.
typealias ContainerSpec = HiveRuntime.ContainerSpec
