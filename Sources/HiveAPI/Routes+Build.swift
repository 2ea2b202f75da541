// (Filled by its own change.)
extension APIServer {
    static var buildRoutes: [APIRoute] { [] }
}
