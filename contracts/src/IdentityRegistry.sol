// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title IdentityRegistry
/// @notice The allowlist of wallets that may hold the permissioned tranche tokens of one SPV:
/// wallet -> (investor id, country, valid-until). One registry can serve every tranche token of
/// the SPV; agents (the back office signer) keep it in step with compliance decisions.
contract IdentityRegistry is AccessControl {
    bytes32 public constant AGENT_ROLE = keccak256("AGENT_ROLE");
    uint256 public constant MAX_BATCH = 100;

    struct Identity {
        bytes32 investorId;
        uint16 country; // ISO 3166-1 numeric
        uint64 validUntil; // unix seconds; the identity is valid while block.timestamp <= validUntil
    }

    mapping(address wallet => Identity) private _identities;

    event IdentityRegistered(
        address indexed wallet, bytes32 indexed investorId, uint16 country, uint64 validUntil, address indexed agent
    );
    event IdentityUpdated(
        address indexed wallet, bytes32 indexed investorId, uint16 country, uint64 validUntil, address indexed agent
    );
    event IdentityRemoved(address indexed wallet, bytes32 indexed investorId, address indexed agent);

    error ZeroAddress();
    error ZeroInvestorId();
    error AlreadyRegistered(address wallet);
    error NotRegistered(address wallet);
    error BatchTooLarge(uint256 size, uint256 max);
    error LengthMismatch();

    constructor(address admin) {
        if (admin == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(AGENT_ROLE, admin);
    }

    function registerIdentity(address wallet, bytes32 investorId, uint16 country, uint64 validUntil)
        public
        onlyRole(AGENT_ROLE)
    {
        if (wallet == address(0)) revert ZeroAddress();
        if (investorId == bytes32(0)) revert ZeroInvestorId();
        if (_identities[wallet].investorId != bytes32(0)) revert AlreadyRegistered(wallet);
        _identities[wallet] = Identity(investorId, country, validUntil);
        emit IdentityRegistered(wallet, investorId, country, validUntil, _msgSender());
    }

    function batchRegisterIdentity(
        address[] calldata wallets,
        bytes32[] calldata investorIds,
        uint16[] calldata countries,
        uint64[] calldata validUntils
    ) external onlyRole(AGENT_ROLE) {
        uint256 n = wallets.length;
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        if (investorIds.length != n || countries.length != n || validUntils.length != n) revert LengthMismatch();
        for (uint256 i = 0; i < n; ++i) {
            registerIdentity(wallets[i], investorIds[i], countries[i], validUntils[i]);
        }
    }

    /// @notice Change country or validity (e.g. KYC renewed or expired). The investor id never changes.
    function updateIdentity(address wallet, uint16 country, uint64 validUntil) external onlyRole(AGENT_ROLE) {
        Identity storage id = _identities[wallet];
        if (id.investorId == bytes32(0)) revert NotRegistered(wallet);
        id.country = country;
        id.validUntil = validUntil;
        emit IdentityUpdated(wallet, id.investorId, country, validUntil, _msgSender());
    }

    function removeIdentity(address wallet) external onlyRole(AGENT_ROLE) {
        bytes32 investorId = _identities[wallet].investorId;
        if (investorId == bytes32(0)) revert NotRegistered(wallet);
        delete _identities[wallet];
        emit IdentityRemoved(wallet, investorId, _msgSender());
    }

    /// @notice True when the wallet is registered and its validity has not run out.
    function isVerified(address wallet) external view returns (bool) {
        Identity storage id = _identities[wallet];
        return id.investorId != bytes32(0) && block.timestamp <= id.validUntil;
    }

    function investorOf(address wallet) external view returns (bytes32) {
        return _identities[wallet].investorId;
    }

    function identity(address wallet) external view returns (bytes32 investorId, uint16 country, uint64 validUntil) {
        Identity storage id = _identities[wallet];
        return (id.investorId, id.country, id.validUntil);
    }
}
