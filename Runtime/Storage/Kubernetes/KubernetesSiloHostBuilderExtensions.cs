using MultigresOrleans.Runtime.Storage.Kubernetes;

namespace MultigresOrleans.Runtime;

/// <summary>Registration helpers for the Kubernetes providers (state and reminders in ConfigMaps of one namespace).</summary>
public static class KubernetesSiloHostBuilderExtensions
{
    /// <summary>
    /// Adds Kubernetes grain storage under <paramref name="name"/>. With no client or configuration
    /// set, the provider connects as the pod's service account (else the kubeconfig) and works in
    /// the pod's namespace; a client it creates is disposed with the silo, one passed in is not.
    /// </summary>
    public static SiloHostBuilder AddKubernetesGrainStorage(this SiloHostBuilder builder, string name, Action<KubernetesStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new KubernetesStorageOptions();
        configure?.Invoke(options);
        var storage = new KubernetesGrainStorage(options);
        return builder.Own(storage).AddGrainStorage(name, storage);
    }

    /// <summary>Keeps reminders in ConfigMaps (one per placement partition, <see cref="SiloOptions.PartitionCount"/> as configured so far).</summary>
    public static SiloHostBuilder UseKubernetesReminders(this SiloHostBuilder builder, Action<KubernetesStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new KubernetesStorageOptions { NamePrefix = KubernetesReminderTable.DefaultNamePrefix };
        configure?.Invoke(options);
        var table = new KubernetesReminderTable(options, builder.Options.PartitionCount);
        return builder.Own(table).UseReminderTable(table);
    }
}
