using System.Reflection;
using System.Runtime.InteropServices;

namespace TicketGate.Proxy.Classification.Parsing;

/// <summary>Finds libpg_query (the PostgreSQL 15 parser as a library) for the P/Invoke declarations in <see cref="PgQuery"/>.</summary>
public static class PgQueryLibrary
{
    /// <summary>The name the DllImport declarations use; the resolver maps it to the installed file.</summary>
    internal const string ImportName = "pg_query";

    // The dev package ships the unversioned link; the runtime package only the versioned soname.
    internal static readonly string[] Candidates = ["libpg_query.so", "libpg_query.so.1504.0"];

    private static readonly Lock Gate = new();
    private static nint handle;
    private static bool resolverSet;

    /// <summary>Loads libpg_query now so a missing install fails at start-up with a clear message instead of on the first query.</summary>
    public static void EnsureLoaded() => Handle();

    internal static void RegisterResolver(Assembly assembly)
    {
        lock (Gate)
        {
            if (resolverSet) return;
            NativeLibrary.SetDllImportResolver(assembly, Resolve);
            resolverSet = true;
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == ImportName ? Handle() : 0;

    private static nint Handle()
    {
        lock (Gate)
        {
            if (handle == 0) handle = Load(Candidates);
            return handle;
        }
    }

    /// <summary>Loads the first of <paramref name="names"/> that the dynamic loader finds.</summary>
    /// <exception cref="DllNotFoundException">None of them loads; the message names the packages to install.</exception>
    internal static nint Load(IReadOnlyList<string> names)
    {
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, out var loaded)) return loaded;
        }
        throw new DllNotFoundException(
            $"TicketGate could not load libpg_query (tried {string.Join(", ", names)}); it needs the PostgreSQL 15 parser to classify SQL. " +
            "Install it with 'apt-get install libpg-query1504.0' (runtime) or 'apt-get install libpg-query-dev', " +
            "or put libpg_query.so on the library path (LD_LIBRARY_PATH).");
    }
}
