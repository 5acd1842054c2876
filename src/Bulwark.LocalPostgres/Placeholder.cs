namespace Bulwark.LocalPostgres; public static class Placeholder {}
