// Examples shown by `hive VERB --help` after the options, and in the man
// pages: the verb's first alias -> (command line, what it does). A unit test
// parses every line against the verb's own option table, so an example
// cannot name a flag the verb does not have.
enum HelpExamples {
    static let table: [String: [(command: String, text: String)]] = [
        "run": [
            ("hive run --rm -it busybox sh", "Run an interactive shell, remove the container when it exits"),
            ("hive run -d --name web -p 8080:80 nginx", "Run nginx in the background, port 80 published on the host's 8080"),
            ("hive run --rm -v \"$PWD\":/src -w /src busybox ls", "Bind-mount the current directory and run a command in it"),
            ("hive run --rm -e GREETING=hi --memory 64m --cpus 0.5 busybox env", "Set a variable and limit memory and CPU"),
            ("hive run --rm --network none --read-only --cap-drop ALL busybox true", "A container without network, writable root or capabilities"),
            ("hive run -d --restart unless-stopped --health-cmd 'wget -q -O- localhost' nginx", "Restart on failure or reboot; check health"),
        ],
        "create": [
            ("hive create --name job busybox echo done", "Create a container without starting it"),
            ("hive start -a job", "Then start it and attach to its output"),
        ],
        "build": [
            ("hive build -t app:1 .", "Build the Dockerfile of the current directory and tag it app:1"),
            ("hive build -f docker/Dockerfile.prod -t app:prod --build-arg VERSION=2 .", "Another Dockerfile, with a build argument"),
            ("hive build --target test --no-cache .", "Build up to the stage named test, without the build cache"),
            ("hive build -q --iidfile id.txt .", "Print only the image ID, and write it to a file"),
        ],
        "ps": [
            ("hive ps", "List running containers"),
            ("hive ps -a --filter status=exited -q", "IDs of the containers that have exited"),
            ("hive ps --format '{{.Names}}\\t{{.Status}}'", "Names and status, with a Go template"),
            ("hive ps -a --filter label=app=web --format json", "Containers labelled app=web, as JSON"),
        ],
        "images": [
            ("hive images", "List images"),
            ("hive images --filter dangling=true -q", "IDs of untagged images"),
            ("hive images --format '{{.Repository}}:{{.Tag}} {{.Size}}'", "References and sizes, with a Go template"),
            ("hive images busybox", "Images of one repository"),
        ],
        "exec": [
            ("hive exec -it web sh", "An interactive shell in a running container"),
            ("hive exec -u 0 -w /etc web cat hostname", "A command as root, in another directory"),
            ("hive exec -e DEBUG=1 web env", "A command with an extra environment variable"),
        ],
        "logs": [
            ("hive logs -f web", "Follow a container's output"),
            ("hive logs --since 10m -t web", "The last ten minutes, with timestamps"),
            ("hive logs -n 20 web", "The last 20 lines"),
        ],
        "cp": [
            ("hive cp web:/etc/nginx/nginx.conf .", "Copy a file out of a container"),
            ("hive cp ./site web:/usr/share/nginx/html", "Copy a directory into a container"),
            ("hive cp -a web:/var/lib/data ./backup", "Keep owners and groups (archive mode)"),
        ],
        "rm": [
            ("hive rm job", "Remove a stopped container"),
            ("hive rm -f web", "Stop (SIGKILL) and remove a running container"),
            ("hive rm -v job", "Remove a container and its anonymous volumes"),
        ],
        "rmi": [
            ("hive rmi app:1", "Remove a tag (and the image, if it was the last one)"),
            ("hive rmi -f 3f2a1c", "Remove an image by ID, with all its tags"),
        ],
        "pull": [
            ("hive pull alpine:3.20", "Pull an image from Docker Hub"),
            ("hive pull registry.example.com:5000/team/app@sha256:...", "Pull from another registry, by digest"),
        ],
        "push": [
            ("hive tag app:1 registry.example.com/team/app:1", "Name the image for its registry"),
            ("hive push registry.example.com/team/app:1", "Then push it (hive login first if it needs credentials)"),
        ],
        "network create": [
            ("hive network create backend", "A bridge network; its containers reach each other by name"),
            ("hive network create --subnet 10.20.0.0/24 --gateway 10.20.0.1 lab", "With its own subnet and gateway"),
            ("hive network create --internal db", "A network without outside access"),
        ],
        "volume create": [
            ("hive volume create data", "A named volume"),
            ("hive run --rm -v data:/data busybox touch /data/x", "Then use it from a container"),
        ],
        "system prune": [
            ("hive system prune", "Remove stopped containers, unused networks, dangling images and the build cache"),
            ("hive system prune -a --volumes -f", "Also unused images and anonymous volumes, without asking"),
        ],
        "inspect": [
            ("hive inspect web", "Everything about a container (or image, volume, network) as JSON"),
            ("hive inspect -f '{{.State.Status}} {{.NetworkSettings.IPAddress}}' web", "Selected fields, with a Go template"),
            ("hive inspect --type image busybox", "An image, when a container has the same name"),
        ],
        "start": [("hive start web", "Start a stopped container in the background"), ("hive start -ai job", "Start it attached, with stdin")],
        "stop": [("hive stop web", "SIGTERM, then SIGKILL after 10 seconds"), ("hive stop -t 30 web db", "Wait 30 seconds, for two containers")],
        "restart": [("hive restart -t 5 web", "Stop (waiting 5 seconds) and start again")],
        "kill": [("hive kill -s HUP web", "Send a signal to a container's main process")],
        "tag": [("hive tag busybox mybox:1", "Another name for an image")],
        "save": [("hive save -o busybox.tar busybox", "Write an image as a tar archive"), ("hive save app:1 | gzip > app.tar.gz", "To stdout")],
        "load": [("hive load -i busybox.tar", "Load images from a tar archive (hive save's or docker save's)")],
        "import": [("hive import rootfs.tar mybase:1", "An image from a tarball of a root filesystem")],
        "commit": [("hive commit web web:snapshot", "An image of a container's changes")],
        "volume ls": [("hive volume ls -q", "Names of all volumes")],
        "network ls": [("hive network ls --format '{{.Name}} {{.Driver}}'", "Networks' names and drivers")],
        "network connect": [("hive network connect --alias api backend web", "Attach a running container to another network")],
        "events": [("hive events --filter type=container --since 1h", "Container events of the last hour, then follow new ones")],
        "stats": [("hive stats --no-stream", "One snapshot of every running container's resource use")],
        "update": [("hive update --memory 256m --cpus 1 web", "Change a running container's limits")],
        "top": [("hive top web", "The processes of a container")],
        "wait": [("hive wait job", "Wait until a container stops; print its exit status")],
        "login": [("hive login -u me registry.example.com", "Log in to a registry (asks for the password)")],
        "manifest inspect": [("hive manifest inspect alpine:3.20", "The image's index (or manifest) from its registry, nothing pulled")],
        "hooks test": [("hive hooks test pre-create --image busybox", "Dry-run the Lua hooks of an event")],
        "system df": [("hive system df -v", "Disk usage of images, containers, volumes and the build cache")],
        "system service": [
            ("hive system service --time 0 --group docker", "Serve the Docker Engine API on /run/hive/hive.sock until stopped; group docker may use it"),
            ("hive system service unix:///tmp/hive.sock", "Serve on another socket; exit after 5 idle seconds"),
        ],
        "compose": [
            ("hive compose up -d --wait", "Start the compose.yaml here with docker compose v2, wait until healthy"),
            ("hive compose -f app.yaml -p app down -v", "Remove the project's containers, networks and volumes"),
        ],
        "completion": [
            ("source <(hive completion bash)", "Completion in the current bash"),
            ("hive completion bash > /etc/bash_completion.d/hive", "For every bash session"),
            ("hive completion fish > ~/.config/fish/completions/hive.fish", "For fish"),
        ],
    ]

    /// The examples of a verb, by any of its aliases' first.
    static func of(_ def: CommandDef) -> [(command: String, text: String)] { table[def.aliases[0]] ?? [] }
}
