using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Runtime.Membership.Kubernetes;
using MultigresOrleans.Runtime.Placement;
using MultigresOrleans.Runtime.Reminders;

namespace MultigresOrleans.Runtime.Tests.Membership;

/// <summary>
/// Silos in this process that coordinate only through Leases and the map ConfigMap in the shared
/// KubeSim, on one fake clock. Calls between them go through a direct transport keyed by silo
/// identity (the HTTP/2 transport has its own tests); each silo talks to the API server with its own
/// token (so KubeSim counts its writes) through a handler the test can cut (a network partition).
/// </summary>
internal sealed class LeaseCluster : IAsyncDisposable
{
    private readonly KubeSimFixture fx;
    private readonly ConcurrentDictionary<string, SiloHost> byIdentity = new(StringComparer.Ordinal);
    private readonly List<Member> members = [];
    private readonly DirectTransport transport;

    private LeaseCluster(KubeSimFixture fx, string ns, Action<KubernetesMembershipOptions>? configure)
    {
        this.fx = fx;
        Namespace = ns;
        Configure = configure;
        transport = new DirectTransport(this);
    }

    public string Namespace { get; }

    public FakeTimeProvider Time { get; } = new();

    public Probe Probe { get; } = new();

    public MemoryGrainStorage Storage { get; } = new();

    public InMemoryReminderTable Reminders { get; } = new(PartitionHash.DefaultPartitionCount);

    public Action<KubernetesMembershipOptions>? Configure { get; }

    /// <summary>Every silo's log, in order, for the test's output when it fails.</summary>
    public CollectingLoggerProvider Logs { get; } = new();

    public IReadOnlyList<Member> Members => members;

    public IEnumerable<Member> Live => members.Where(m => m.State == MemberState.Running);

    public static async Task<LeaseCluster> CreateAsync(KubeSimFixture fx, Action<KubernetesMembershipOptions>? configure = null) =>
        new(fx, await fx.NewNamespaceAsync("leases"), configure);

    public async Task<Member> StartSiloAsync(string name)
    {
        var (user, token) = fx.NewUser(name);
        var cut = new CutOffHandler { InnerHandler = KubernetesHttpHandler.Create(fx.Configuration(token: token)) };
        var loggers = LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        var client = new KubernetesClient(fx.Configuration(token: token), new KubernetesClientOptions { Qps = 0, MaxRetries = 0 }, Time, loggers, handler: cut);
        var builder = new SiloHostBuilder()
            .Configure(o =>
            {
                o.SiloName = name;
                o.MinimumReminderPeriod = TimeSpan.FromSeconds(1);
            })
            .AddGrain<ICounterGrain, CounterGrain>()
            .AddGrain<IReminderGrain, ReminderGrain>()
            .AddGrain<ICartGrain, CartGrain>()
            .AddGrainStorage("Default", Storage)
            .UseReminderTable(Reminders)
            .UseTimeProvider(Time)
            .UseLoggerFactory(loggers)
            .UseKubernetesMembership(client, o =>
            {
                o.Namespace = Namespace;
                Configure?.Invoke(o);
            })
            .UseTransport(transport);
        builder.Services.AddSingleton(Probe);
        var silo = builder.Build();
        var member = new Member(name, user, silo, cut, client);
        byIdentity[member.Identity] = silo;
        members.Add(member);
        await silo.StartAsync();
        member.State = MemberState.Running;
        return member;
    }

    public Member this[string name] => members.Last(m => m.Name == name);

    /// <summary>
    /// Moves the fake clock forward in one-second steps; after each step it waits until every live,
    /// reachable silo whose renewal came due has renewed, as a real silo would have in that second.
    /// </summary>
    public async Task AdvanceAsync(TimeSpan total, Func<bool>? stopWhen = null)
    {
        var step = TimeSpan.FromSeconds(1);
        for (var elapsed = TimeSpan.Zero; elapsed < total; elapsed += step)
        {
            Time.Advance(step);
            await SettleAsync();

            if (stopWhen?.Invoke() == true)
                return;
        }
    }

    /// <summary>
    /// Waits until every running silo has nothing pending or running (renewals that came due,
    /// coordination passes, drains), so the next clock step cannot time out a request in flight.
    /// </summary>
    public async Task SettleAsync()
    {
        foreach (var member in Live.ToList())
        {
            await Eventually.WaitUntil(
                () => member.Membership.IsIdle,
                $"{member.Name}'s membership settles (renewals, coordination, drains done)",
                () => $"last renewal {member.Membership.SinceLastRenewal} ago");
            if (!member.Cut.IsCut && !member.Membership.IsFenced)
                Assert.True(member.Membership.SinceLastRenewal < member.Membership.Options.RenewInterval + member.Membership.Options.RetryInterval,
                    $"{member.Name} should have renewed its Lease (last renewal {member.Membership.SinceLastRenewal} ago)");
        }
    }

    public async Task KillAsync(string name)
    {
        var member = this[name];
        member.State = MemberState.Killed;
        await member.Silo.KillAsync();
    }

    public async Task StopAsync(string name)
    {
        var member = this[name];
        await member.Silo.StopAsync();
        member.State = MemberState.Stopped;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in members)
        {
            // Bounded, so a silo that cannot leave fails the test with its name instead of hanging the run.
            var stop = member.State == MemberState.Running && !member.Cut.IsCut && !member.Membership.IsFenced
                ? member.Silo.DisposeAsync().AsTask()
                : member.Silo.KillAsync();
            try
            {
                await stop.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"silo {member.Name} ({member.State}) did not stop within 30 s; last log lines:\n{string.Join('\n', Logs.Lines.TakeLast(40))}");
            }

            if (member.Silo.Membership is IAsyncDisposable disposable)
                await disposable.DisposeAsync();
            member.Client.Dispose();
        }
    }

    /// <summary>Collects log lines (with the fake time) in memory.</summary>
    internal sealed class CollectingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> lines = new();

        public IReadOnlyCollection<string> Lines => lines;

        public ILogger CreateLogger(string categoryName) => new Collector(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Collector(CollectingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? string.Empty : " | " + exception.GetType().Name + ": " + exception.Message)}");
        }
    }

    internal enum MemberState
    {
        Starting,
        Running,
        Stopped,
        Killed,
    }

    internal sealed class Member(string name, string user, SiloHost silo, CutOffHandler cut, KubernetesClient client)
    {
        public string Name { get; } = name;

        public string User { get; } = user;

        public SiloHost Silo { get; } = silo;

        public CutOffHandler Cut { get; } = cut;

        public KubernetesClient Client { get; } = client;

        public MemberState State { get; set; } = MemberState.Starting;

        public KubernetesMembership Membership => (KubernetesMembership)Silo.Membership;

        public string Identity => Membership.SiloName;

        public IReadOnlyList<int> Serving() =>
            [.. Enumerable.Range(0, PartitionHash.DefaultPartitionCount).Where(Membership.IsOwnedLocally)];
    }

    /// <summary>Fails every request while cut: the silo's view of the API server during a network partition.</summary>
    internal sealed class CutOffHandler : DelegatingHandler
    {
        private volatile bool cut;

        public bool IsCut => cut;

        public void Cut() => cut = true;

        public void Restore() => cut = false;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            cut ? Task.FromException<HttpResponseMessage>(new HttpRequestException("network partition (test)")) : base.SendAsync(request, cancellationToken);
    }

    private sealed class DirectTransport(LeaseCluster cluster) : IGrainTransport
    {
        public Task<object?> SendAsync(string targetSilo, GrainId grainId, GrainMethod method, object?[] args) =>
            cluster.byIdentity.TryGetValue(targetSilo, out var silo) && cluster.members.Any(m => m.Silo == silo && m.State is MemberState.Running or MemberState.Starting)
                ? silo.Runtime.ReceiveAsync(grainId, method, args)
                : Task.FromException<object?>(new SiloUnavailableException(targetSilo));
    }
}
