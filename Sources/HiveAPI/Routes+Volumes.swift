// (Filled by its own change.)
extension APIServer {
    static var volumeRoutes: [APIRoute] { [] }
}
