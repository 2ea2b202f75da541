// The route groups, one file each (Routes+*.swift).
extension APIServer {
    /// Every route the service answers, in match order.
    public static var routes: [APIRoute] {
        systemRoutes + containerRoutes + streamRoutes + imageRoutes + buildRoutes + networkRoutes + volumeRoutes
    }
}
