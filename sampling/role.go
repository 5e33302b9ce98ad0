package sampling

// Role is what the holder of an access token may do.
type Role string

// Roles a token may have.
const (
	RoleAdmin     Role = "admin"     // everything, including making plans and tokens
	RoleInspector Role = "inspector" // their own tasks: sampling, refusals, results
	RoleViewer    Role = "viewer"    // reading rates and plans
)

// Roles lists the roles.
func Roles() []Role { return []Role{RoleAdmin, RoleInspector, RoleViewer} }
