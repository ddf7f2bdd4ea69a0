//! `shikaku user add|remove|passwd`: the users file of `shikaku serve --users`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use shikaku::serve::users::{FileLock, Role, Users};

/// Arguments of `shikaku user`.
#[derive(Debug, clap::Args)]
pub struct UserArgs {
    #[command(subcommand)]
    action: UserAction,
}

#[derive(Debug, clap::Subcommand)]
enum UserAction {
    /// Add a user (the file is created if it does not exist).
    Add {
        #[command(flatten)]
        who: Who,
        /// What the user may do: view (look up, preview) or issue (also download and print).
        #[arg(long, value_enum, default_value_t = RoleArg::View)]
        role: RoleArg,
    },
    /// Remove a user; their open sessions end at their next request.
    Remove {
        /// The user name.
        name: String,
        /// The users file.
        #[arg(long, value_name = "FILE")]
        users: PathBuf,
    },
    /// Set a user's password, and their role with --role.
    Passwd {
        #[command(flatten)]
        who: Who,
        /// A new role for the user.
        #[arg(long, value_enum)]
        role: Option<RoleArg>,
    },
}

#[derive(Debug, clap::Args)]
struct Who {
    /// The user name: 1 to 64 ASCII letters, digits, `.`, `_`, `-` or `@`.
    name: String,
    /// The users file.
    #[arg(long, value_name = "FILE")]
    users: PathBuf,
    /// Read the password from the first line of standard input instead of the terminal.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    /// 閲覧: look members up and preview their documents.
    View,
    /// 交付: also download and print documents.
    Issue,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::View => Role::View,
            RoleArg::Issue => Role::Issue,
        }
    }
}

/// Changes the users file under its lock, writing it atomically (0600).
pub fn run(args: UserArgs) -> Result<ExitCode, String> {
    let path = match &args.action {
        UserAction::Add { who, .. } | UserAction::Passwd { who, .. } => &who.users,
        UserAction::Remove { users, .. } => users,
    };
    let _lock = FileLock::acquire(path)
        .map_err(|e| format!("failed to lock the users file {} ({e})", path.display()))?;
    let message = match &args.action {
        UserAction::Add { who, role } => {
            let mut users = Users::load_or_empty(&who.users).map_err(|e| e.to_string())?;
            let password = password(who)?;
            users
                .add(&who.name, (*role).into(), &password)
                .map_err(|e| e.to_string())?;
            users.save(&who.users).map_err(|e| e.to_string())?;
            format!("added user {} ({})", who.name, Role::from(*role).as_str())
        }
        UserAction::Passwd { who, role } => {
            let mut users = Users::load(&who.users).map_err(|e| e.to_string())?;
            if users.role(&who.name).is_none() {
                return Err(format!(
                    "no user `{}` in {}\n  hint: add the user with `shikaku user add`",
                    who.name,
                    who.users.display()
                ));
            }
            let password = password(who)?;
            users
                .set_password(&who.name, &password, role.map(Role::from))
                .map_err(|e| e.to_string())?;
            users.save(&who.users).map_err(|e| e.to_string())?;
            let now = users.role(&who.name).map_or("", Role::as_str);
            let what = if role.is_some() {
                "password and role"
            } else {
                "password"
            };
            format!("changed the {what} of {} ({now})", who.name)
        }
        UserAction::Remove { name, users: file } => {
            let mut users = Users::load(file).map_err(|e| e.to_string())?;
            users.remove(name).map_err(|e| e.to_string())?;
            users.save(file).map_err(|e| e.to_string())?;
            format!("removed user {name}")
        }
    };
    eprintln!("{message}");
    Ok(ExitCode::SUCCESS)
}

/// The password: the first line of standard input, or typed twice at the terminal without echo.
fn password(who: &Who) -> Result<String, String> {
    if who.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("failed to read the password from standard input ({e})"))?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_owned());
    }
    if !std::io::stdin().is_terminal() {
        return Err("failed to read the password (standard input is not a terminal)\n  hint: pass --password-stdin to read it from standard input".into());
    }
    let first = rpassword::prompt_password(format!("password for {}: ", who.name))
        .map_err(|e| format!("failed to read the password ({e})"))?;
    let again = rpassword::prompt_password("again: ")
        .map_err(|e| format!("failed to read the password ({e})"))?;
    if again != first {
        return Err("the two passwords differ; nothing was changed".into());
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::super::{Cli, Command};
    use super::*;

    fn parse(args: &[&str]) -> Result<UserArgs, clap::Error> {
        let cli = Cli::try_parse_from([&["shikaku", "user"], args].concat())?;
        let Command::User(args) = cli.command else {
            panic!("not user")
        };
        Ok(args)
    }

    #[test]
    fn add_takes_a_role_and_the_password_source() {
        let args = parse(&[
            "add",
            "tanaka",
            "--users",
            "u.toml",
            "--role",
            "issue",
            "--password-stdin",
        ])
        .unwrap();
        let UserAction::Add { who, role } = args.action else {
            panic!()
        };
        assert_eq!(who.name, "tanaka");
        assert!(who.password_stdin);
        assert_eq!(Role::from(role), Role::Issue);
        let args = parse(&["add", "sato", "--users", "u.toml"]).unwrap();
        assert!(matches!(
            args.action,
            UserAction::Add {
                role: RoleArg::View,
                ..
            }
        ));
        assert!(parse(&["add", "sato"]).is_err());
        assert!(parse(&["add", "sato", "--users", "u", "--role", "admin"]).is_err());
    }

    #[test]
    fn remove_and_passwd_parse() {
        assert!(matches!(
            parse(&["remove", "sato", "--users", "u.toml"])
                .unwrap()
                .action,
            UserAction::Remove { .. }
        ));
        let args = parse(&["passwd", "sato", "--users", "u.toml", "--role", "view"]).unwrap();
        assert!(matches!(
            args.action,
            UserAction::Passwd {
                role: Some(RoleArg::View),
                ..
            }
        ));
    }
}
