//! The permission matrix: who may do what inside a coop. `Access::allows` is the one table
//! (pages and the JSON API both ask it); this walks every capability for every role, so a
//! change to the table shows up here as a changed row.

use guyub_core::identity::Role;
use guyub_core::ids::MemberId;
use guyub_web::auth::{Access, Need};

/// Every capability. The match makes this fail to compile when a capability is added, so the
/// matrix below cannot silently miss it.
fn every_need() -> Vec<Need> {
    let all = vec![
        Need::SeeCoop,
        Need::ReadMembers,
        Need::WriteMembers,
        Need::WriteCoop,
        Need::ReadAudit,
        Need::Cashier,
        Need::ReadBooks,
        Need::ReadPayments,
        Need::WriteBooks,
        Need::ManageMarket,
    ];
    for n in &all {
        match n {
            Need::SeeCoop
            | Need::ReadMembers
            | Need::WriteMembers
            | Need::WriteCoop
            | Need::ReadAudit
            | Need::Cashier
            | Need::ReadBooks
            | Need::ReadPayments
            | Need::WriteBooks
            | Need::ManageMarket => {}
        }
    }
    all
}

fn access(role: Role) -> Access {
    Access {
        role,
        member_id: None,
    }
}

fn who(need: Need) -> Vec<&'static str> {
    Role::ALL
        .iter()
        .copied()
        .filter(|r| access(*r).allows(need))
        .map(Role::as_str)
        .collect()
}

#[test]
fn who_may_do_what_in_a_coop() {
    let expected: Vec<(Need, Vec<&str>)> = vec![
        // The dinas sees the coop's aggregates only.
        (
            Need::SeeCoop,
            vec!["admin", "dinas", "pengurus", "pengawas", "kasir"],
        ),
        (
            Need::ReadMembers,
            vec!["admin", "pengurus", "pengawas", "kasir"],
        ),
        // The register of members is the pengurus' legal duty (UU 25/1992 Pasal 30).
        (Need::WriteMembers, vec!["admin", "pengurus"]),
        (Need::WriteCoop, vec!["admin", "pengurus"]),
        // The pengurus answer for the coop, the pengawas examine it.
        (Need::ReadAudit, vec!["admin", "pengurus", "pengawas"]),
        // The pengawas examine, they do not handle money.
        (Need::Cashier, vec!["admin", "pengurus", "kasir"]),
        (Need::ReadBooks, vec!["admin", "pengurus", "pengawas"]),
        // The cashier sees the requests they make; the pengawas examine them.
        (
            Need::ReadPayments,
            vec!["admin", "pengurus", "pengawas", "kasir"],
        ),
        (Need::WriteBooks, vec!["admin", "pengurus"]),
        // The board runs the coop's marketplace (settings, sellers, every seller's products).
        (Need::ManageMarket, vec!["admin", "pengurus"]),
    ];
    let needs = every_need();
    assert_eq!(expected.len(), needs.len());
    for (need, roles) in &expected {
        assert!(needs.contains(need));
        assert_eq!(&who(*need), roles, "{need:?}");
    }
    // A member (anggota) and a curator hold no management capability at all.
    for role in [Role::Anggota, Role::Curator] {
        assert!(
            needs.iter().all(|n| !access(role).allows(*n)),
            "{}",
            role.as_str()
        );
    }
    // Read-only roles never write: the pengawas by law, the dinas by design.
    for role in [Role::Pengawas, Role::Dinas] {
        for n in [
            Need::WriteMembers,
            Need::WriteCoop,
            Need::Cashier,
            Need::WriteBooks,
            Need::ManageMarket,
        ] {
            assert!(!access(role).allows(n), "{} {n:?}", role.as_str());
        }
    }
}

#[test]
fn whole_niks_and_member_pages() {
    let me = MemberId::new();
    let other = MemberId::new();
    // Whole NIKs: the board (and the platform admin), and a member their own.
    let full: Vec<&str> = Role::ALL
        .iter()
        .copied()
        .filter(|r| access(*r).sees_full_nik(Some(other)))
        .map(Role::as_str)
        .collect();
    assert_eq!(full, ["admin", "pengurus"]);
    let member = Access {
        role: Role::Anggota,
        member_id: Some(me),
    };
    assert!(member.sees_full_nik(Some(me)));
    assert!(!member.sees_full_nik(Some(other)));
    assert!(!member.sees_full_nik(None));
    // A member opens only their own page; whoever reads the register opens any.
    assert!(member.may_open_member(me));
    assert!(!member.may_open_member(other));
    assert!(access(Role::Kasir).may_open_member(other));
    assert!(!access(Role::Dinas).may_open_member(other));
}
