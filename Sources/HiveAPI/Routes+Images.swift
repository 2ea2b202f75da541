// (Filled by its own change.)
extension APIServer {
    static var imageRoutes: [APIRoute] { [] }
}
