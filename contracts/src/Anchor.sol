// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title Anchor
/// @notice A public, append-only record of what the back office published, so anyone can check it
/// without trusting the back office:
///
/// - a distribution's Merkle root of (holder, amount paid in stablecoin base units), under the
///   distribution's id (the Payout contract's `distributionId`). A holder proves their payment with
///   the leaf keccak256(bytes.concat(keccak256(abi.encode(holder, amount)))) and a proof of sorted
///   pairs (OpenZeppelin MerkleProof, the StandardMerkleTree layout): `verifyPayment`.
/// - a report's SHA-256, with a reference naming the report (keccak256 of "report:<id>:v<version>").
///   Anyone who hashes the file they downloaded finds it here: `documentAnchoredAt`.
///
/// Each id and each hash is anchored once; a second anchoring reverts, so a root or a date can never
/// be changed afterwards.
contract Anchor is AccessControl {
    bytes32 public constant ANCHOR_ROLE = keccak256("ANCHOR_ROLE");

    mapping(bytes32 distributionId => bytes32 root) public rootOf;
    mapping(bytes32 sha256Hash => uint256 blockNumber) public documentAnchoredAt;
    mapping(bytes32 sha256Hash => bytes32 ref) public documentReference;

    event RootAnchored(bytes32 indexed distributionId, bytes32 root, address agent);
    event DocumentAnchored(bytes32 indexed sha256Hash, bytes32 indexed ref, address agent);

    error ZeroAddress();
    error EmptyValue();
    error RootAlreadyAnchored(bytes32 distributionId, bytes32 root);
    error DocumentAlreadyAnchored(bytes32 sha256Hash, uint256 blockNumber);

    constructor(address admin) {
        if (admin == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ANCHOR_ROLE, admin);
    }

    function anchorRoot(bytes32 distributionId, bytes32 root) external onlyRole(ANCHOR_ROLE) {
        if (distributionId == bytes32(0) || root == bytes32(0)) revert EmptyValue();
        bytes32 existing = rootOf[distributionId];
        if (existing != bytes32(0)) revert RootAlreadyAnchored(distributionId, existing);
        rootOf[distributionId] = root;
        emit RootAnchored(distributionId, root, msg.sender);
    }

    function anchorDocument(bytes32 sha256Hash, bytes32 ref) external onlyRole(ANCHOR_ROLE) {
        if (sha256Hash == bytes32(0)) revert EmptyValue();
        uint256 existing = documentAnchoredAt[sha256Hash];
        if (existing != 0) revert DocumentAlreadyAnchored(sha256Hash, existing);
        documentAnchoredAt[sha256Hash] = block.number;
        documentReference[sha256Hash] = ref;
        emit DocumentAnchored(sha256Hash, ref, msg.sender);
    }

    /// @notice The leaf of (holder, amount): keccak256(bytes.concat(keccak256(abi.encode(holder, amount)))).
    function paymentLeaf(address holder, uint256 amount) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(holder, amount))));
    }

    /// @notice Whether `holder` was paid `amount` in `distributionId`, by the anchored root.
    function verifyPayment(bytes32 distributionId, address holder, uint256 amount, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        bytes32 root = rootOf[distributionId];
        return root != bytes32(0) && MerkleProof.verifyCalldata(proof, root, paymentLeaf(holder, amount));
    }
}
